#!/usr/bin/env bash
# Runs every module's tests with the race detector. Tests that need a
# service (Redis, PostgreSQL, Chromium) start it themselves or read its URL
# from the environment; they skip when it is missing, unless CI is set.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for mod in $(git ls-files '*go.mod' 2>/dev/null || find . -name go.mod -not -path '*/vendor/*'); do
	dir=$(dirname "$mod")
	echo "== go test -race ./... in $dir"
	(cd "$dir" && go test -race -count=1 ./...) || status=1
done
exit $status
