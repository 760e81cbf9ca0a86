package sigheader

import (
	"encoding/hex"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sigHex = strings.Repeat("ab", 32)

func TestParse(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantTS  string
		wantN   int
		wantErr error
	}{
		{name: "minimal", in: "t=1,s=" + sigHex, wantTS: "1", wantN: 1},
		{name: "spaces", in: "  t=12 ,  s=" + sigHex + "\t", wantTS: "12", wantN: 1},
		{name: "two sigs", in: "t=1,s=" + sigHex + ",s=" + strings.ToUpper(sigHex), wantTS: "1", wantN: 2},
		{name: "unknown keys", in: "v1=x,t=1,k,=,s=" + sigHex, wantTS: "1", wantN: 1},
		{name: "value with equals", in: "x=a=b,t=1,s=" + sigHex, wantTS: "1", wantN: 1},
		{name: "empty", in: "", wantErr: ErrEmpty},
		{name: "too long", in: "t=1,s=" + sigHex + "," + strings.Repeat("x", MaxLen), wantErr: ErrTooLong},
		{name: "no t", in: "s=" + sigHex, wantErr: ErrNoTimestamp},
		{name: "no s", in: "t=1", wantErr: ErrNoSignature},
		{name: "dup t", in: "t=1,t=2,s=" + sigHex, wantErr: ErrDupTimestamp},
		{name: "bad t", in: "t=1e9,s=" + sigHex, wantErr: ErrBadTimestamp},
		{name: "t with space inside", in: "t= 1,s=" + sigHex, wantErr: ErrBadTimestamp},
		{name: "t too many digits", in: "t=1234567890123,s=" + sigHex, wantErr: ErrBadTimestamp},
		{name: "bad s", in: "t=1,s=xyz", wantErr: ErrBadSignature},
		{name: "too many s", in: "t=1" + strings.Repeat(",s="+sigHex, MaxSignatures+1), wantErr: ErrTooManySigs},
		{name: "bare t", in: "t=1,s=" + sigHex + ",t", wantErr: ErrDupTimestamp},
		{name: "bare t alone", in: "t,s=" + sigHex, wantErr: ErrBadTimestamp},
		{name: "bare s", in: "t=1,s=" + sigHex + ",s", wantErr: ErrBadSignature},
		{name: "bare v1 is unknown here", in: "t=1,s=" + sigHex + ",v1", wantTS: "1", wantN: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h Header
			err := Parse(tc.in, NativeKey, &h)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.wantTS, h.TS)
			assert.Equal(t, tc.wantN, h.N)
			want, _ := hex.DecodeString(sigHex)
			assert.Equal(t, want, h.Sigs[0][:])
			n, _ := strconv.ParseInt(tc.wantTS, 10, 64)
			assert.Equal(t, n, h.Unix)
		})
	}
}

// TestParseStripeKey checks the same rules with Stripe's key: "v1" entries
// are the signatures and "s" entries are unknown.
func TestParseStripeKey(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		in      string
		wantN   int
		wantErr error
	}{
		{name: "minimal", in: "t=1,v1=" + sigHex, wantN: 1},
		{name: "v0 and s ignored", in: "t=1,v0=" + sigHex + ",s=" + sigHex + ",v1=" + sigHex, wantN: 1},
		{name: "only s", in: "t=1,s=" + sigHex, wantErr: ErrNoSignature},
		{name: "bare v1", in: "t=1,v1=" + sigHex + ",v1", wantErr: ErrBadSignature},
		{name: "bare t", in: "t,v1=" + sigHex, wantErr: ErrBadTimestamp},
		{name: "bare s is unknown here", in: "t=1,v1=" + sigHex + ",s", wantN: 1},
		{name: "too many v1", in: "t=1" + strings.Repeat(",v1="+sigHex, MaxSignatures+1), wantErr: ErrTooManySigs},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var h Header
			err := Parse(tc.in, StripeKey, &h)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "1", h.TS)
			assert.Equal(t, tc.wantN, h.N)
		})
	}
}

func TestParseDoesNotAllocate(t *testing.T) {
	in := "t=1732838400,s=" + sigHex + ",s=" + sigHex
	var h Header
	allocs := testing.AllocsPerRun(100, func() {
		if err := Parse(in, NativeKey, &h); err != nil {
			t.Fatal(err)
		}
	})
	assert.Zero(t, allocs)
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{
		"t=1732838400,s=" + sigHex,
		" t=1 , s=" + strings.ToUpper(sigHex) + ",s=" + sigHex + ",v=9",
		"t=1,t=2,s=" + sigHex,
		"s=" + sigHex,
		"t=,s=",
		",,,=,=,t==1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		for _, key := range []string{NativeKey, StripeKey} {
			fuzzParse(t, in, key)
		}
	})
}

// fuzzParse checks what Parse accepts of in with sigKey.
func fuzzParse(t *testing.T, in, sigKey string) {
	t.Helper()
	var h Header
	if err := Parse(in, sigKey, &h); err != nil {
		return
	}
	// Whatever parses must satisfy the invariants the verifier relies on.
	if h.N < 1 || h.N > MaxSignatures {
		t.Fatalf("N = %d", h.N)
	}
	if len(h.TS) == 0 || len(h.TS) > MaxTimestampDigits {
		t.Fatalf("TS = %q", h.TS)
	}
	if n, err := strconv.ParseInt(h.TS, 10, 64); err != nil || n != h.Unix || n < 0 {
		t.Fatalf("TS %q vs Unix %d", h.TS, h.Unix)
	}
	if len(in) > MaxLen {
		t.Fatalf("accepted %d bytes", len(in))
	}
	// Re-encoding what we parsed must parse to the same thing.
	var b strings.Builder
	b.WriteString("t=" + h.TS)
	for i := 0; i < h.N; i++ {
		b.WriteString("," + sigKey + "=" + hex.EncodeToString(h.Sigs[i][:]))
	}
	var h2 Header
	if err := Parse(b.String(), sigKey, &h2); err != nil {
		t.Fatalf("re-encoded %q: %v", b.String(), err)
	}
	if h2.TS != h.TS || h2.N != h.N || h2.Sigs != h.Sigs {
		t.Fatalf("round trip mismatch")
	}
}

func FuzzDecodeHex(f *testing.F) {
	f.Add(sigHex)
	f.Add("0G")
	f.Fuzz(func(t *testing.T, s string) {
		dst := make([]byte, len(s)/2)
		ok := DecodeHex(dst, s)
		want, err := hex.DecodeString(s)
		if ok != (err == nil) {
			t.Fatalf("DecodeHex(%q) ok=%v, hex err=%v", s, ok, err)
		}
		if ok && string(want) != string(dst) {
			t.Fatalf("mismatch")
		}
	})
}
