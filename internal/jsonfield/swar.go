package jsonfield

import (
	"encoding/binary"
	"math/bits"
)

// The scanner looks at eight bytes at a time, as one uint64 ("SWAR", SIMD
// within a register): a mask has the high bit of each byte lane set where
// that byte matches, and no other bits. Lane 0 is the first byte in memory.

const (
	ones = 0x0101010101010101
	lo7  = 0x7F7F7F7F7F7F7F7F
)

// zeros returns the mask of the zero bytes of v. It is exact: unlike the
// classic (v-ones)&^v trick, no borrow reaches a neighbouring lane.
func zeros(v uint64) uint64 { return ^((v&lo7 + lo7) | v | lo7) }

// eq returns the mask of the bytes of v equal to c.
func eq(v uint64, c byte) uint64 { return zeros(v ^ ones*uint64(c)) }

// controls returns the mask of the bytes of v below 0x20, which JSON
// forbids inside strings.
func controls(v uint64) uint64 { return zeros(v & (ones * 0xE0)) }

// prefixXor sets in each lane the parity of the mask bits at or before it:
// applied to the quotes of a word, it marks the bytes inside a string
// (an opening quote included, a closing one not).
func prefixXor(m uint64) uint64 {
	m ^= m << 8
	m ^= m << 16
	m ^= m << 32
	return m
}

func load(b []byte, i int) uint64 { return binary.LittleEndian.Uint64(b[i:]) }

// strEnd returns the index of the first byte at or after i that is a quote,
// a backslash or a control byte, or len(b).
func strEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		v := load(b, i)
		if m := eq(v, '"') | eq(v, '\\') | controls(v); m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for ; i < len(b); i++ {
		if c := b[i]; c == '"' || c == '\\' || c < 0x20 {
			return i
		}
	}
	return len(b)
}

// skipNested skips the object or array that starts at b[i] ('{' or '[')
// and returns the index just past its end. It reports false when b ends
// first or a string in it holds a control byte. Like the byte-at-a-time
// scan it replaces, it counts brackets without matching their kinds.
//
// Sixteen bytes without a backslash are taken at once: their quotes say
// which bytes are inside strings, the brackets outside them change the
// depth, and the depth cannot reach zero in a block with fewer closing
// brackets than the depth. Other blocks, and the tail, go byte by byte.
func skipNested(b []byte, i int) (int, bool) {
	const hi = ones * 0x80
	depth, in := 1, uint64(0) // in: every lane set while inside a string
	bad := uint64(0)          // control bytes inside strings of blocks taken at once
	i++
	for {
		if i+16 <= len(b) {
			v1, v2 := load(b, i), load(b, i+8)
			if eq(v1, '\\')|eq(v2, '\\') == 0 {
				s1 := prefixXor(eq(v1, '"')) ^ in
				s2 := prefixXor(eq(v2, '"')) ^ -(s1>>63)&hi
				w1, w2 := v1|ones*0x20, v2|ones*0x20 // '[' -> '{', ']' -> '}'
				// Both words' marks in one mask: the first's in bit 0
				// of each lane, the second's in bit 1.
				closes := bits.OnesCount64((eq(w1, '}')&^s1)>>7 | (eq(w2, '}')&^s2)>>6)
				if closes < depth {
					depth += bits.OnesCount64((eq(w1, '{')&^s1)>>7|(eq(w2, '{')&^s2)>>6) - closes
					bad |= controls(v1)&s1 | controls(v2)&s2
					in = -(s2 >> 63) & hi
					i += 16
					continue
				}
			}
		}
		// Byte by byte, to the end of this block (or of b).
		end := min(i+16, len(b))
		if i >= end {
			return 0, false
		}
		for ; i < end; i++ {
			c := b[i]
			if in != 0 {
				switch {
				case c == '"':
					in = 0
				case c == '\\':
					i++
				case c < 0x20:
					return 0, false
				}
				continue
			}
			switch c {
			case '"':
				in = hi
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return i + 1, bad == 0
				}
			}
		}
	}
}
