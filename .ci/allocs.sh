# Allocation tests, without the race detector: under -race sync.Pool drops
# a share of its items, so the zero-allocation tests of the signature
# schemes skip there. Sourced by .ci/run after the tests.
echo "== allocation tests without -race"
go test -count=1 -run 'Alloc' ./...
