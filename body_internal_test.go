package webhook

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/require"
)

// TestReadBodyLengths covers bodies whose declared length is right, short,
// long, zero or unknown, read in one piece or a byte at a time.
func TestReadBodyLengths(t *testing.T) {
	t.Parallel()
	const limit = 16
	tests := []struct {
		name    string
		body    string
		length  int64 // Content-Length; -1 unknown
		want    string
		tooLong bool
	}{
		{"exact", "0123456789", 10, "0123456789", false},
		{"exact at limit", "0123456789abcdef", 16, "0123456789abcdef", false},
		{"longer than declared", "0123456789", 4, "0123456789", false},
		{"longer than declared, over limit", "0123456789abcdefg", 4, "", true},
		{"shorter than declared", "0123", 10, "0123", false},
		{"declared zero, has bytes", "abc", 0, "abc", false},
		{"declared zero, empty", "", 0, "", false},
		{"unknown", "0123456789", -1, "0123456789", false},
		{"unknown, over limit", "0123456789abcdefg", -1, "", true},
	}
	for _, tt := range tests {
		for _, oneByte := range []bool{false, true} {
			name := tt.name
			if oneByte {
				name += ", one byte at a time"
			}
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				var rd io.Reader = strings.NewReader(tt.body)
				if oneByte {
					rd = iotest.OneByteReader(rd)
				}
				r, err := http.NewRequest(http.MethodPost, "/", io.NopCloser(rd))
				require.NoError(t, err)
				r.ContentLength = tt.length
				got, err := readBody(r, limit)
				if tt.tooLong {
					require.ErrorIs(t, err, ErrBodyTooLarge)
					return
				}
				require.NoError(t, err)
				require.Equal(t, tt.want, string(got))
				again, err := io.ReadAll(r.Body)
				require.NoError(t, err)
				require.True(t, bytes.Equal(got, again), "r.Body replays the body")
			})
		}
	}
}
