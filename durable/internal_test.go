package durable

import (
	"context"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAttemptLogPrunes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db, err := OpenSQLite(filepath.Join(t.TempDir(), "prune.db"))
	require.NoError(t, err)
	defer db.Close()
	b := SQLite(db).inner()
	require.NoError(t, Migrate(ctx, SQLite(db)))
	l := newAttemptLog(b, time.Hour, slog.New(slog.DiscardHandler))
	l.pruneEvery = 10 * time.Millisecond
	l.start()
	require.NoError(t, l.record(ctx, &Attempt{MessageID: "old", At: time.Now().Add(-2 * time.Hour), Outcome: "delivered"}))
	require.NoError(t, l.record(ctx, &Attempt{MessageID: "new", At: time.Now(), Outcome: "delivered"}))
	require.Eventually(t, func() bool {
		old, err := listAttempts(ctx, b, "old")
		return err == nil && len(old) == 0
	}, 5*time.Second, 10*time.Millisecond)
	l.close()
	recent, err := listAttempts(ctx, b, "new")
	require.NoError(t, err)
	assert.Len(t, recent, 1)
}
