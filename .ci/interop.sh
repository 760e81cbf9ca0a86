#!/usr/bin/env bash
# Interoperability with the reference Python programs, both ways:
#   (a) sender.py          -> examples/consumer
#   (b) examples/sender    -> consumer.py
# The programs are not copied into the project: they are read from
# REFERENCE_DIR (default ../shared/reference, next to the repository, where
# CI puts them). Installs python3-flask and python3-requests when missing.
# Every server listens on a free loopback port and is stopped on exit; every
# step is bounded in time. Called by .ci/run after the tests; runs alone as
# bash .ci/interop.sh. Exits non-zero, saying why, on any mismatch.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

ref=${REFERENCE_DIR:-../shared/reference}
if [ ! -f "$ref/sender.py" ] || [ ! -f "$ref/consumer.py" ]; then
	echo "interop: FAIL: the reference programs are not in $ref (set REFERENCE_DIR)" >&2
	exit 1
fi
ref=$(cd "$ref" && pwd)

if ! python3 -c 'import flask, requests' >/dev/null 2>&1; then
	echo "== apt-get install python3-flask python3-requests"
	apt-get update -qq
	apt-get install -y -qq python3-flask python3-requests >/dev/null
fi

work=$(mktemp -d /tmp/interop.XXXXXX)
pids=()
cleanup() {
	local pid
	for pid in "${pids[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	rm -rf "$work"
}
trap cleanup EXIT

failures=0
fail() {
	echo "interop: FAIL: $*" >&2
	failures=$((failures + 1))
}

# show prints a log for a failure; the programs never print secrets.
show() {
	echo "---- $1" >&2
	cat "$2" >&2 || true
	echo "----" >&2
}

# wait_for FILE REGEXP PID: waits up to 30 s for a line of FILE to match
# REGEXP and prints its first capture group; fails when PID exits first.
wait_for() {
	local file=$1 re=$2 pid=$3 i
	for i in $(seq 300); do
		if [ -f "$file" ] && grep -qE "$re" "$file"; then
			sed -nE "s#.*$re.*#\\1#p" "$file" | head -n 1
			return 0
		fi
		kill -0 "$pid" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# A fresh raw secret (no whsec_ prefix: the Python programs use the string
# itself as the key). Never printed.
secret="interop-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"
wrong="interop-wrong-$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')"

echo "== interop: building examples/consumer and examples/sender"
go build -o "$work/consumer" ./examples/consumer
go build -o "$work/sender" ./examples/sender

echo "== interop (a): reference sender.py -> examples/consumer"
WEBHOOK_SECRET=$secret ADDR=127.0.0.1:0 "$work/consumer" >"$work/a.out" 2>"$work/a.log" &
pids+=($!)
if ! url=$(wait_for "$work/a.log" 'listening on (http://127\.0\.0\.1:[0-9]+/webhook)' "${pids[-1]}"); then
	show "examples/consumer log" "$work/a.log"
	echo "interop: FAIL: examples/consumer did not start" >&2
	exit 1
fi
if ! WEBHOOK_SECRET=$secret WEBHOOK_URL=$url timeout 60 python3 "$ref/sender.py" >"$work/a.sent" 2>&1; then
	fail "sender.py failed or timed out"
fi
want_sent=$'Sent payment.succeeded: HTTP 200\nSent user.created: HTTP 200\nSent invalid.event: HTTP 200'
if [ "$(cat "$work/a.sent")" != "$want_sent" ]; then
	fail "sender.py did not get HTTP 200 for all three events"
	show "sender.py output" "$work/a.sent"
fi
# The reference consumer's two lines for the first event, in order.
if ! grep -A1 -xF 'Received webhook event: payment.succeeded' "$work/a.out" | grep -qxF 'Payment pi_3Mqwerty: $49.99 succeeded'; then
	fail "examples/consumer did not print the reference lines for payment.succeeded"
	show "examples/consumer output" "$work/a.out"
	show "examples/consumer log" "$work/a.log"
fi
before=$(wc -l <"$work/a.out")
if WEBHOOK_SECRET=$secret SECRET_OVERRIDE=$wrong WEBHOOK_URL=$url timeout 60 python3 "$ref/sender.py" >"$work/a.wrong" 2>&1; then
	if [ "$(grep -cxE 'Sent [a-z.]+: HTTP 401' "$work/a.wrong")" != 3 ]; then
		fail "with SECRET_OVERRIDE, examples/consumer did not answer 401 to all three events"
		show "sender.py output" "$work/a.wrong"
	fi
else
	fail "sender.py with SECRET_OVERRIDE failed or timed out"
	show "sender.py output" "$work/a.wrong"
fi
if [ "$(wc -l <"$work/a.out")" != "$before" ]; then
	fail "examples/consumer handled a delivery signed with the wrong secret"
	show "examples/consumer output" "$work/a.out"
fi

echo "== interop (b): examples/sender -> reference consumer.py"
WEBHOOK_SECRET=$secret PORT=0 python3 "$ref/consumer.py" >"$work/b.out" 2>"$work/b.log" &
pids+=($!)
if ! port=$(wait_for "$work/b.log" 'Running on http://127\.0\.0\.1:([0-9]+)' "${pids[-1]}"); then
	show "consumer.py log" "$work/b.log"
	echo "interop: FAIL: consumer.py did not start" >&2
	exit 1
fi
url="http://127.0.0.1:$port/webhook"
# A failed attempt would be retried after 60 s: the time limit makes it a
# failure instead.
if ! WEBHOOK_SECRET=$secret WEBHOOK_URL=$url timeout 50 "$work/sender" >"$work/b.sent" 2>&1; then
	fail "examples/sender did not deliver every event (or timed out)"
	show "examples/sender output" "$work/b.sent"
fi
# Each "Sent <type>: HTTP 200 id=<id>" must match a "Received webhook
# event: <type> id=<id>" of the reference consumer.
n=0
while read -r typ id; do
	n=$((n + 1))
	if ! grep -qxF "Received webhook event: $typ id=$id" "$work/b.out"; then
		fail "consumer.py did not print: Received webhook event: $typ id=$id"
		show "consumer.py output" "$work/b.out"
	fi
done < <(sed -nE 's/^Sent ([a-z.]+): HTTP 200 id=(msg_[0-9a-z]+)$/\1 \2/p' "$work/b.sent")
if [ "$n" != 3 ]; then
	fail "examples/sender reported $n of 3 events delivered"
	show "examples/sender output" "$work/b.sent"
fi
if WEBHOOK_SECRET=$wrong WEBHOOK_URL=$url timeout 50 "$work/sender" >"$work/b.wrong" 2>&1; then
	fail "examples/sender reported success with the wrong secret"
fi
if [ "$(grep -cxE 'Sent [a-z.]+: HTTP 401 id=msg_[0-9a-z]+' "$work/b.wrong")" != 3 ] ||
	[ "$(grep -cxF 'REJECTED invalid signature' "$work/b.out")" != 3 ]; then
	fail "with the wrong secret, consumer.py did not reject all three events with 401"
	show "examples/sender output" "$work/b.wrong"
	show "consumer.py output" "$work/b.out"
fi

if ((failures)); then
	echo "interop: $failures check(s) failed" >&2
	exit 1
fi
echo "interop: ok (both directions)"
