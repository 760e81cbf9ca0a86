#!/usr/bin/env bash
# Runs every module's tests with the race detector, printing a line per
# package as it finishes and, at the end, a summary of what passed, failed
# and was skipped, with each skip's reason.
#
# Services: the Redis and Chromium tests start their own servers. For the
# PostgreSQL tests this script starts a throwaway cluster on a free loopback
# port when DATABASE_URL is unset and PostgreSQL's binaries are installed
# (apt-get install postgresql; it runs the server as the postgres user, so
# it needs root); otherwise set DATABASE_URL to a database you can write.
# Without CI set, a test whose service is missing skips, and the summary
# says so; with CI set it fails. The long tests (crash, fault and load
# tests) skip unless WEBHOOK_LONG=1 (see the README's Development section);
# CI runs them in a step of its own.
set -uo pipefail
cd "$(dirname "$0")/.."

# Before .ci/postgres.sh, which adds the cluster's stop to this EXIT trap
# (set after it, the trap would replace the stop and leave the cluster
# running).
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

if [ -z "${DATABASE_URL:-}" ] && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
	source .ci/postgres.sh
fi
[ -n "${DATABASE_URL:-}" ] || echo "test.sh: DATABASE_URL is not set and no PostgreSQL could be started: the PostgreSQL tests will skip (fail under CI)"

case "${WEBHOOK_LONG:-}" in
"" | 0) echo "test.sh: the long tests (crash, fault, load) skip; WEBHOOK_LONG=1 runs them (CI does, in a step of its own)" ;;
*) echo "test.sh: WEBHOOK_LONG is set: the long tests run too (under -race, SQLite at their short scale)" ;;
esac

go build -o "$tmp/testreport" ./scripts/testreport || exit 1

# Modules run two at a time (TEST_JOBS overrides it): most tests wait on
# timers, sockets and child processes rather than on the CPU, so a second
# module fills the idle time. durable, the longest, starts first. Each
# module's output is printed when it finishes, whole, so that lines of two
# modules never mix.
mods=$(git ls-files '*go.mod' 2>/dev/null || find . -name go.mod -not -path '*/vendor/*')
mods=$( (echo "$mods" | grep -x 'durable/go.mod'; echo "$mods" | grep -vx 'durable/go.mod') | xargs -n1 dirname)
parallel=${TEST_JOBS:-2}
i=0
{
	for dir in $mods; do
		while [ "$(jobs -rp | wc -l)" -ge "$parallel" ]; do wait -n; done
		i=$((i + 1))
		(
			out="$tmp/$i.out"
			echo "== go test -race ./... in $dir" >"$out"
			(cd "$dir" && go test -race -count=1 -json ./...) >>"$out" 2>&1 || echo "$dir" >>"$tmp/failed"
			flock "$tmp/lock" cat "$out"
		) &
	done
	wait
} 2>&1 | "$tmp/testreport"
status=$?
if [ -s "$tmp/failed" ]; then
	echo "go test failed in: $(tr '\n' ' ' <"$tmp/failed")"
	status=1
fi
exit $status
