package durable_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/readmetest"
)

// readmePrelude declares what the README's durable snippets take as given.
const readmePrelude = `
var (
	ctx, shutdownCtx = context.Background(), context.Background()
	secret           []byte
	verifier         *webhook.Verifier
	db               *sql.DB
	pool             *pgxpool.Pool
	body, payload    []byte
)

// Order is an application's order, the data of its order.created event.
type Order struct{ ID string }

func handleInvoicePaid(ctx context.Context, ev webhook.Event) error { return nil }

// showOnce hands an endpoint's new secret to its owner.
func showOnce(ep endpoints.Endpoint, secret string) {}
`

// TestReadmeSnippets builds the README's Go snippets that use durable,
// as pasted, inside this module, and checks that none drops an error or
// names a mux "mux".
func TestReadmeSnippets(t *testing.T) {
	t.Parallel()
	n, err := readmetest.Check(readmetest.Options{
		README:    "../README.md",
		ModuleDir: ".",
		Module:    readmetest.DurableModule,
		Prelude:   readmePrelude,
	})
	if errors.Is(err, readmetest.ErrModuleNotWritable) {
		t.Skip("module directory not writable (a copy in the module cache?): the snippets are checked in the repository")
	}
	require.NoError(t, err)
	require.NotZero(t, n, "no durable snippets found in README.md")
	t.Logf("%d snippets built", n)
}
