package jsonfield

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// bytewiseSkip is the byte-at-a-time scan that skipNested replaced, kept as
// the reference: it skips the object or array at b[i].
func bytewiseSkip(b []byte, i int) (int, bool) {
	depth := 0
	for i < len(b) {
		switch b[i] {
		case '"':
			i++
			for {
				if i >= len(b) {
					return 0, false
				}
				c := b[i]
				if c == '"' {
					break
				}
				if c < 0x20 {
					return 0, false
				}
				if c == '\\' {
					i++
				}
				i++
			}
		case '{', '[':
			depth++
		case '}', ']':
			depth--
			if depth == 0 {
				return i + 1, true
			}
		}
		i++
	}
	return 0, false
}

func TestMasksAreExact(t *testing.T) {
	t.Parallel()
	for lane := range 8 {
		for c := range 256 {
			// The lane holds c, every other lane a byte that matches
			// nothing, so a borrow or carry would show.
			var word [8]byte
			for i := range word {
				word[i] = 'a'
			}
			word[lane] = byte(c)
			v := load(word[:], 0)
			bit := uint64(0x80) << (8 * lane)
			want := func(match bool) uint64 {
				if match {
					return bit
				}
				return 0
			}
			require.Equal(t, want(c == '"'), eq(v, '"'), "eq lane %d byte %#x", lane, c)
			require.Equal(t, want(c < 0x20), controls(v), "controls lane %d byte %#x", lane, c)
			require.Equal(t, want(c == 0), zeros(zeroOthers(lane, c)), "zeros lane %d byte %#x", lane, c)
		}
	}
}

func TestZerosNoBorrow(t *testing.T) {
	t.Parallel()
	// Every pair of neighbouring bytes, in every pair of lanes: a borrow
	// from a zero lane would mark its neighbour.
	for lane := range 7 {
		for c := range 256 {
			for d := range 256 {
				v := ^uint64(0)&^(0xFFFF<<(8*lane)) | uint64(c)<<(8*lane) | uint64(d)<<(8*lane+8)
				var want uint64
				if c == 0 {
					want |= 0x80 << (8 * lane)
				}
				if d == 0 {
					want |= 0x80 << (8*lane + 8)
				}
				if got := zeros(v); got != want {
					t.Fatalf("zeros(%#x) = %#x, want %#x", v, got, want)
				}
			}
		}
	}
}

// zeroOthers returns a word whose lane holds c and whose other lanes hold
// 0xFF, for checking zeros lane by lane.
func zeroOthers(lane, c int) uint64 {
	v := ^uint64(0) &^ (0xFF << (8 * lane))
	return v | uint64(c)<<(8*lane)
}

func TestPrefixXor(t *testing.T) {
	t.Parallel()
	// Quotes in lanes 1 and 4: lanes 1-3 are inside the string.
	q := uint64(0x80)<<8 | uint64(0x80)<<32
	assert.Equal(t, uint64(0x80)<<8|uint64(0x80)<<16|uint64(0x80)<<24, prefixXor(q))
}

func TestSkipNested(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data string
		want int // -1: not ok
	}{
		{"empty object", `{}`, 2},
		{"nested", `{"a":[1,{"b":"}"}],"c":{}}x`, 26},
		{"brackets in strings over words", `{"k":"]]]]]]]]]]]]]]]]}}}}}}}}}}","x":1}`, 40},
		{"escaped quote at a word's end", `{"abcdef\"":"\\","g":"\"}\""}`, 29},
		{"backslash last of a word", `{"abcde\\":1,"x":"]"}`, 21},
		{"closing brace after long run", `[` + strings.Repeat(`"abcdefgh",`, 9) + `1]`, 102},
		{"deep", strings.Repeat("[", 40) + strings.Repeat("]", 40), 80},
		{"control byte in a string", "{\"a\":\"x\x01yzzzzzzzzzzz\"}", -1},
		{"control byte outside strings ignored", "{\n\t\"a\"\r:1}", 10},
		{"truncated", `{"a":[1,2,3`, -1},
		{"truncated in a string", `{"a":"bcdefghijklmn`, -1},
		{"backslash at the end", `{"a":"\`, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			end, ok := skipNested([]byte(tc.data), 0)
			if tc.want < 0 {
				assert.False(t, ok)
				return
			}
			assert.True(t, ok)
			assert.Equal(t, tc.want, end)
			refEnd, refOK := bytewiseSkip([]byte(tc.data), 0)
			assert.Equal(t, refOK, ok, "reference")
			assert.Equal(t, refEnd, end, "reference")
		})
	}
}

// TestSkipNestedMatchesBytewise compares skipNested with the byte-at-a-time
// reference on many random documents made of the bytes that matter, so
// that every kind of byte falls at every place in a word.
func TestSkipNestedMatchesBytewise(t *testing.T) {
	t.Parallel()
	const alphabet = "{}[]\"\"\"\\aaaa ,:\x01\n"
	rng := rand.New(rand.NewPCG(15, 15))
	buf := make([]byte, 0, 64)
	for range 200_000 {
		buf = append(buf[:0], "{["[rng.IntN(2)])
		for n := rng.IntN(60); n > 0; n-- {
			buf = append(buf, alphabet[rng.IntN(len(alphabet))])
		}
		checkSkip(t, buf)
	}
}

func FuzzSkipNested(f *testing.F) {
	f.Add([]byte(`{"a":[1,{"b":"}"}],"c":{}}`))
	f.Add([]byte(`["\\\"]]]]]]]]]]]",{}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 || data[0] != '{' && data[0] != '[' {
			return
		}
		checkSkip(t, data)
	})
}

func checkSkip(t *testing.T, data []byte) {
	t.Helper()
	end, ok := skipNested(data, 0)
	refEnd, refOK := bytewiseSkip(data, 0)
	if ok != refOK || ok && end != refEnd {
		t.Fatalf("skipNested(%q) = %d, %v; byte by byte: %d, %v", data, end, ok, refEnd, refOK)
	}
}

func TestStrEnd(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewPCG(1, 5))
	const alphabet = "abcdefgh\"\\\x1f\x20\x7f\x80\xff"
	buf := make([]byte, 0, 40)
	for range 100_000 {
		buf = buf[:0]
		for n := rng.IntN(40); n > 0; n-- {
			buf = append(buf, alphabet[rng.IntN(len(alphabet))])
		}
		from := rng.IntN(len(buf) + 1)
		want := len(buf)
		for i := from; i < len(buf); i++ {
			if c := buf[i]; c == '"' || c == '\\' || c < 0x20 {
				want = i
				break
			}
		}
		if got := strEnd(buf, from); got != want {
			t.Fatalf("strEnd(%q, %d) = %d, want %d", buf, from, got, want)
		}
	}
}
