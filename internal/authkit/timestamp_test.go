package authkit

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestClockCheck(t *testing.T) {
	t.Parallel()
	now := time.Unix(1614265330, 0)
	tests := []struct {
		name string
		unix int64
		skip bool
		want error
	}{
		{"now", 1614265330, false, nil},
		{"edge of past", 1614265330 - 300, false, nil},
		{"past tolerance", 1614265330 - 301, false, ErrTimestampTooOld},
		{"edge of future", 1614265330 + 300, false, nil},
		{"future tolerance", 1614265330 + 301, false, ErrTimestampTooNew},
		{"zero", 0, false, ErrTimestampTooOld},
		{"largest 12-digit", 999999999999, false, ErrTimestampTooNew},
		{"beyond Duration range in the past", -999999999999, false, ErrTimestampTooOld},
		{"skip", 999999999999, true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := NewClock("test", 0, tc.skip, func() time.Time { return now })
			require.NoError(t, err)
			err = c.Check(tc.unix)
			require.ErrorIs(t, err, tc.want)
			if tc.want == nil {
				require.NoError(t, err)
			}
		})
	}
}

func TestNewClock(t *testing.T) {
	t.Parallel()
	_, err := NewClock("test", -time.Second, false, nil)
	require.Error(t, err)
	c, err := NewClock("test", 0, false, nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultTolerance, c.Tolerance)
	assert.Equal(t, 2*DefaultTolerance, c.ReplayWindow())
	assert.NotNil(t, c.Now)
	c, err = NewClock("test", time.Minute, true, nil)
	require.NoError(t, err)
	assert.Zero(t, c.ReplayWindow())
}

func TestParseUnix(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0", 0, true},
		{"1614265330", 1614265330, true},
		{"999999999999", 999999999999, true},
		{"9999999999999", 0, false},
		{"", 0, false},
		{"-1", 0, false},
		{"+1", 0, false},
		{" 1", 0, false},
		{"1.5", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, ok := ParseUnix(tc.in)
			assert.Equal(t, tc.ok, ok)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestRawSecrets(t *testing.T) {
	t.Parallel()
	_, err := RawSecrets(nil)
	require.ErrorIs(t, err, ErrNoSecret)
	_, err = RawSecrets([]string{"0123456789abcdef", "s3cr3"})
	require.ErrorIs(t, err, ErrSecretTooShort)
	assert.NotContains(t, err.Error(), "s3cr3")
	keys, err := RawSecrets([]string{"0123456789abcdef"})
	require.NoError(t, err)
	assert.Equal(t, [][]byte{[]byte("0123456789abcdef")}, keys)
}
