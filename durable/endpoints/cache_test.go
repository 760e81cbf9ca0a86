package endpoints_test

import (
	"context"
	"net/http"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// TestDeliveriesFollowChangesMadeElsewhere: a delivering process keeps
// endpoints and their secrets in memory between deliveries. Changes made
// by another process sharing the database (a new URL, a rotated secret, a
// disable, a deletion) must still apply to its very next delivery.
func TestDeliveriesFollowChangesMadeElsewhere(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		db, err := durable.OpenSQLite(filepath.Join(t.TempDir(), "endpoints.db"))
		require.NoError(t, err)
		t.Cleanup(func() { db.Close() })
		followsChangesMadeElsewhere(t, durable.SQLite(db))
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		followsChangesMadeElsewhere(t, durable.Postgres(epPostgresPool(t)))
	})
}

func followsChangesMadeElsewhere[TTx any](t *testing.T, b durable.Backend[TTx]) {
	ctx := context.Background()
	require.NoError(t, endpoints.Migrate(ctx, b))
	clock := &epClock{t: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	worker := newOwnEndpoints(t, b, epOptions(nil, clock)) // delivers
	admin := newOwnEndpoints(t, b, epOptions(nil, clock))  // another process: changes, never delivers
	env := &epEnv{e: worker, clock: clock}
	rc := newReceivers(t, clock)
	_, err := admin.CreateApplication(ctx, "acme", "")
	require.NoError(t, err)
	ep, s1, err := admin.CreateEndpoint(ctx, "acme", endpoints.Input{URL: rc.URL + "/one"})
	require.NoError(t, err)
	rc.set("/one", s1, 0)
	env.start(t)

	publish := func(id string) {
		t.Helper()
		_, err := admin.Publish(ctx, "acme", "invoice.paid", []byte(`{}`), id)
		require.NoError(t, err)
	}
	publish("m1")
	env.waitDelivery(t, "acme", ep.ID, "m1", durable.StateDone) // the worker has it in memory now

	// A new URL: the next delivery goes there.
	_, err = admin.UpdateEndpoint(ctx, "acme", ep.ID, endpoints.Update{URL: new(rc.URL + "/two")})
	require.NoError(t, err)
	rc.set("/two", s1, 0)
	publish("m2")
	env.waitDelivery(t, "acme", ep.ID, "m2", durable.StateDone)
	require.Equal(t, []string{"m2"}, rc.ids("/two"))
	require.Equal(t, []string{"m1"}, rc.ids("/one"))

	// A rotation that retires the old secret at once: the next delivery
	// is signed with the new secret alone.
	s2, err := admin.RotateSecret(ctx, "acme", ep.ID, -1)
	require.NoError(t, err)
	rc.set("/two", s2, 0)
	publish("m3")
	env.waitDelivery(t, "acme", ep.ID, "m3", durable.StateDone)
	last := rc.last("/two")
	require.NotNil(t, last)
	require.NoError(t, rc.verify(s2, last), "signed with the new secret")
	require.Error(t, rc.verify(s1, last), "not with the retired one")

	// Disabled while a delivery waits for its retry: the retry is
	// cancelled, not sent.
	rc.setStatus("/two", http.StatusInternalServerError)
	publish("m4")
	require.Eventually(t, func() bool { return slices.Contains(rc.ids("/two"), "m4") }, 20*time.Second, 5*time.Millisecond)
	_, err = admin.DisableEndpoint(ctx, "acme", ep.ID)
	require.NoError(t, err)
	rc.setStatus("/two", http.StatusOK)
	n := len(rc.ids("/two"))
	env.waitDelivery(t, "acme", ep.ID, "m4", durable.StateCancelled)
	require.LessOrEqual(t, len(rc.ids("/two")), n+1, "at most the attempt under way when it was disabled")

	// Enabled again, then deleted while a delivery waits: cancelled.
	_, err = admin.EnableEndpoint(ctx, "acme", ep.ID)
	require.NoError(t, err)
	publish("m5")
	env.waitDelivery(t, "acme", ep.ID, "m5", durable.StateDone)
	rc.setStatus("/two", http.StatusInternalServerError)
	publish("m6")
	require.Eventually(t, func() bool { return slices.Contains(rc.ids("/two"), "m6") }, 20*time.Second, 5*time.Millisecond)
	require.NoError(t, admin.DeleteEndpoint(ctx, "acme", ep.ID))
	n = len(rc.ids("/two"))
	time.Sleep(300 * time.Millisecond) // retries are 20 ms apart in these tests
	require.LessOrEqual(t, len(rc.ids("/two")), n+1, "no more attempts to a deleted endpoint")
}
