package standardwebhooks

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"
)

// FuzzParseSignatures checks that the header parser never panics, keeps to
// its bounds, and that every signature it accepts re-encodes to an entry of
// the input (canonical base64 has one spelling).
func FuzzParseSignatures(f *testing.F) {
	f.Add("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	f.Add("v1a,hnO3f9T8Ytu9HwrXslvumlUpqtNVqkhqw/enGzPCXe5BdqzCInXqYXFymVJaA7AZdpXwVLPo3mNl8EM+m7TBAg== v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
	f.Add("  v2,x \t v1,,, v1a")
	f.Fuzz(func(t *testing.T, v string) {
		var s sigs
		if parseSignatures(v, &s) != nil {
			return
		}
		if len(v) > MaxHeaderLen || s.nh+s.ne > MaxSignatures {
			t.Fatalf("accepted a header over the bounds: len %d, %d signatures", len(v), s.nh+s.ne)
		}
		for i := 0; i < s.nh; i++ {
			if !strings.Contains(v, "v1,"+base64.StdEncoding.EncodeToString(s.hmac[i][:])) {
				t.Fatalf("v1 signature %d does not re-encode to its entry", i)
			}
		}
		for i := 0; i < s.ne; i++ {
			if !strings.Contains(v, "v1a,"+base64.StdEncoding.EncodeToString(s.ed[i][:])) {
				t.Fatalf("v1a signature %d does not re-encode to its entry", i)
			}
		}
	})
}

// FuzzVerify checks that Verify never panics on any headers, returns only
// the documented errors, and that whatever Sign makes verifies.
func FuzzVerify(f *testing.F) {
	f.Add("msg_p5jXN8AQM9LWM0D4loKWxJek", "1614265330", "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=", []byte(`{"test": 2432232314}`))
	f.Add("msg_1", "99999999999999", "v1a,AAAA", []byte{})
	f.Add("", "", "", []byte(nil))
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	priv := "whsk_6Xb/dCcHpPea21PS1N9VY/NZW723CEc77N4rJCubMbfVKIDij2HKpMKkioLlX0dRqSKJp4AJ6p9lMicMFs6Kvg=="
	pub := "whpk_1SiA4o9hyqTCpIqC5V9HUakiiaeACeqfZTInDBbOir4="
	now := time.Unix(1614265330, 0)
	v, err := NewVerifier([]string{secret, pub}, &VerifierOptions{Now: func() time.Time { return now }})
	if err != nil {
		f.Fatal(err)
	}
	s, err := NewSigner([]string{secret, priv}, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, id, ts, sig string, body []byte) {
		h := http.Header{IDHeader: {id}, TimestampHeader: {ts}, SignatureHeader: {sig}}
		err := v.Verify(h, body)
		if err != nil && !isDocumented(err) {
			t.Fatalf("undocumented error %v", err)
		}
		signed, err := s.Sign(id, now, body)
		if err != nil {
			return // empty or over-long id
		}
		h.Set(TimestampHeader, "1614265330")
		h.Set(SignatureHeader, signed)
		if err := v.Verify(h, body); err != nil {
			t.Fatalf("signed request does not verify: %v", err)
		}
	})
}
