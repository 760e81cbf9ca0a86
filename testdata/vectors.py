#!/usr/bin/env python3
"""Writes testdata/vectors.json, the native format's known-answer vectors.

It uses only Python's standard library (hmac, hashlib, base64), never the
Go code it checks, so the file is an independent statement of the wire
format: HMAC-SHA256(key, t + "." + body), hex, in
X-Webhook-Signature: t=<t>,s=<hex>[,s=<hex>...]. See testdata/VECTORS.md.

Run from the repository root: python3 testdata/vectors.py
"""
import base64
import hashlib
import hmac
import json
import sys


def key(secret):
    """The HMAC key of a secret string, as webhook.ParseSecret reads it."""
    secret = secret.strip()
    if secret.startswith("whsec_"):
        b64 = secret[len("whsec_"):].rstrip("=")
        return base64.b64decode(b64 + "=" * (-len(b64) % 4), validate=True)
    return secret.encode()


def sig(secret, t, body, raw=False):
    k = secret.encode() if raw else key(secret)
    return hmac.new(k, t.encode() + b"." + body.encode(), hashlib.sha256).hexdigest()


def header(secrets, t, body):
    return "t=" + t + "".join(",s=" + sig(s, t, body) for s in secrets)


PAYMENT = '{"id":"msg_2CwGXwAkd5Vv2fy5Hh8mJcCT","event":"payment.succeeded","data":{"id":"pi_3Mqwerty","amount":49.99}}'
K = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
K2 = "an-older-secret-still-accepted"
T = 1732838400

# The six vectors the file has had since the format was fixed; their
# values were computed with Python's hmac and checked with
# openssl dgst -sha256 -hmac, and must never change.
OLD = [
    ("reference payment", ["your-webhook-secret-key"], 1700000000,
     '{"event":"payment.succeeded","data":{"payment":{"id":"pay_123","amount":2000,"currency":"usd"}}}',
     "t=1700000000,s=095d2add48ffe96e788370f8d5a09b58ad8dde90738494edb8603874fd8f5a87"),
    ("reference user", ["your-webhook-secret-key"], 1700000060,
     '{"event":"user.created","data":{"user":{"id":"usr_456","email":"ada@example.com"}}}',
     "t=1700000060,s=e7fff175284ad0132310eec443b37fabaf93744aee20f74b396f10b6907bee79"),
    ("empty body", ["0123456789abcdef"], 1, "",
     "t=1,s=20c68bf776cf0744ace7f3bf6c863f7634d7a7c5df183eb0c84320c0a26672bf"),
    ("whsec secret", ["whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="], 1732838400,
     '{"event":"invalid.event","data":{}}',
     "t=1732838400,s=9720001b68b43cf18c74d855d7abb6eb76d636cdb6c8b5ce251fcecc3481b5df"),
    ("unicode body", ["another-secret-of-24-byt"], 1999999999, '{"msg":"héllo wörld ✓"}',
     "t=1999999999,s=fedfd3353fd9b90281c16bb23e799d371458fd10792e0a8c164c95855a7b1bba"),
    ("two secrets rotation", ["new-secret-0123456789", "old-secret-0123456789"], 1732838400,
     '{"event":"user.created"}',
     "t=1732838400,s=a295dde3be0c49891a614aaa02982ddc032b560fc9c5a44c1d68fefcaf2b0cee,s=b7c8c11007a0d1783a7c3b69653792a3dae527dcdc9dadb8cf82cdf71926fc72"),
]


def verify(name, want, sighdr, body=PAYMENT, now=T, keys=(K,), id="msg_2CwGXwAkd5Vv2fy5Hh8mJcCT", headers=None):
    h = {}
    if sighdr is not None:
        h["X-Webhook-Signature"] = sighdr if isinstance(sighdr, list) else [sighdr]
    if id:
        h["X-Webhook-Id"] = [id]
    h.update(headers or {})
    v = {"name": name, "keys": list(keys), "now": now, "headers": h, "body": body, "want": want}
    if want == "ok":
        v["id"] = id
    return v


def main():
    sign = []
    for name, secrets, t, body, want in OLD:
        got = header(secrets, str(t), body)
        if got != want:
            sys.exit("vector %r changed: %s != %s" % (name, got, want))
        sign.append({"name": name, "keys": secrets, "timestamp": t, "body": body, "want": want})

    t = str(T)
    good = sig(K, t, PAYMENT)
    other = sig("a-different-secret-entirely", t, PAYMENT)
    V = [
        verify("signed now", "ok", header([K], t, PAYMENT)),
        verify("no id header", "ok", header([K], t, PAYMENT), id=""),
        verify("two signatures, second matches", "ok", "t=%s,s=%s,s=%s" % (t, other, good)),
        verify("eight signatures, last matches", "ok", "t=%s%s,s=%s" % (t, "".join(",s=" + other for _ in range(7)), good)),
        verify("two signatures, first matches", "ok", "t=%s,s=%s,s=%s" % (t, good, other)),
        verify("rotation: second secret matches", "ok", header([K2], t, PAYMENT), keys=(K, K2)),
        verify("upper-case hex", "ok", "t=%s,s=%s" % (t, good.upper())),
        verify("unknown keys and bare words ignored", "ok", "t=%s,v0=%s,x=y,bare,s=%s" % (t, other, good)),
        verify("spaces and tabs around pairs, empty pairs", "ok", " t=%s ,,\ts=%s\t," % (t, good)),
        verify("signature before timestamp", "ok", "s=%s,t=%s" % (good, t)),
        verify("timestamp at edge of past tolerance", "ok", header([K], t, PAYMENT), now=T + 300),
        verify("timestamp at edge of future tolerance", "ok", header([K], t, PAYMENT), now=T - 300),
        verify("timestamp with leading zero is signed as sent", "ok", header([K], "0" + t, PAYMENT)),
        verify("empty body", "ok", header([K], t, ""), body=""),
        verify("stale", "old", header([K], t, PAYMENT), now=T + 301),
        verify("future", "new", header([K], t, PAYMENT), now=T - 301),
        verify("far future", "new", header([K], "999999999999", PAYMENT)),
        verify("epoch", "old", header([K], "0", PAYMENT)),
        verify("wrong secret", "nomatch", header(["a-different-secret-entirely"], t, PAYMENT)),
        verify("signed with the whsec_ string itself as the key", "nomatch", "t=%s,s=%s" % (t, sig(K, t, PAYMENT, raw=True))),
        verify("tampered body", "nomatch", header([K], t, PAYMENT), body=PAYMENT.replace("49.99", "4999")),
        verify("body with a trailing newline", "nomatch", header([K], t, PAYMENT), body=PAYMENT + "\n"),
        verify("signature for another timestamp", "nomatch", "t=%d,s=%s" % (T + 1, good)),
        verify("stale and wrong: the signature is checked first", "nomatch", header(["a-different-secret-entirely"], t, PAYMENT), now=T + 3600),
        verify("two signature headers: only the first is read", "nomatch", ["t=%s,s=%s" % (t, other), "t=%s,s=%s" % (t, good)]),
        verify("no signature header", "missing", None),
        verify("empty signature header", "missing", ""),
        verify("no timestamp", "invalid", "s=" + good),
        verify("no signature", "invalid", "t=" + t),
        verify("duplicate t=", "invalid", "t=%s,t=%s,s=%s" % (t, t, good)),
        verify("timestamp not a number", "invalid", "t=yesterday,s=" + good),
        verify("negative timestamp", "invalid", "t=-%s,s=%s" % (t, good)),
        verify("timestamp in milliseconds", "invalid", header([K], t + "000", PAYMENT)),
        verify("whitespace inside timestamp", "invalid", "t=%s %s,s=%s" % (t[:5], t[5:], good)),
        verify("short signature", "invalid", "t=%s,s=%s" % (t, good[:62])),
        verify("non-hex signature", "invalid", "t=%s,s=%s" % (t, "g" + good[1:])),
        verify("base64 signature", "invalid", "t=%s,s=%s" % (t, base64.b64encode(bytes.fromhex(good)).decode())),
        verify("nine signatures", "invalid", "t=%s%s,s=%s" % (t, "".join(",s=" + other for _ in range(8)), good)),
        verify("header over 4096 bytes", "invalid", "t=%s,s=%s,x=%s" % (t, good, "y" * 4096)),
    ]
    out = {
        "comment": "Native format (X-Webhook-Signature) vectors, computed by testdata/vectors.py with Python's hmac; described in testdata/VECTORS.md. sign: keys sign in order, want is the header. verify: keys are the verifier's secrets, now its clock (unix s), tolerance 5 minutes; want: ok, missing, invalid, nomatch, old, new; id: the message id Authenticate returns.",
        "sign": sign,
        "verify": V,
    }
    with open("testdata/vectors.json", "w", encoding="utf-8") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
