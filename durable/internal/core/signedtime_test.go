package core

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSignedBefore(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1_800_000_000, 0)
	meta := func(signed time.Time, run int) []byte {
		b, err := json.Marshal(map[string]any{"snoozes": 1, MetaSigned: signedMeta{At: signed.Unix(), Run: run}})
		require.NoError(t, err)
		return b
	}
	tests := []struct {
		name      string
		metadata  []byte
		scheduled time.Time
		run       int
		want      time.Time
	}{
		{name: "first run", scheduled: t0, run: 1, want: time.Time{}},
		{name: "first run, other metadata", metadata: []byte(`{"snoozes":0}`), scheduled: t0, run: 1, want: time.Time{}},
		{
			name:     "previous run recorded: exact, on the signer's clock",
			metadata: meta(t0.Add(-time.Hour), 1), scheduled: t0.Add(10 * time.Millisecond), run: 2,
			want: t0.Add(-time.Hour),
		},
		{
			name:     "a run signed ahead of the scheduler's clock",
			metadata: meta(t0.Add(3*time.Second), 4), scheduled: t0, run: 5,
			want: t0.Add(3 * time.Second),
		},
		{
			name:     "an interrupted run comes back with its own number",
			metadata: meta(t0, 3), scheduled: t0.Add(-time.Minute), run: 3,
			want: t0,
		},
		{
			name:      "job from an older version: its scheduled second",
			scheduled: t0.Add(700 * time.Millisecond), run: 2,
			want: t0,
		},
		{
			name:      "job from an older version, interrupted in its first run",
			scheduled: t0, run: 1,
			want: time.Time{},
		},
		{
			name:     "crashed run after the record: the rescue's retry time",
			metadata: meta(t0, 1), scheduled: t0.Add(90 * time.Second), run: 3,
			want: t0.Add(90 * time.Second),
		},
		{
			name:     "crashed run that signed ahead: a second past the record",
			metadata: meta(t0.Add(time.Minute), 1), scheduled: t0.Add(30 * time.Second), run: 3,
			want: t0.Add(time.Minute + time.Second),
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := SignedBefore(tc.metadata, tc.scheduled, tc.run)
			assert.True(t, tc.want.Equal(got), "want %v, got %v", tc.want, got)
		})
	}
}
