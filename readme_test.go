package webhook_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/readmetest"
)

// readmePrelude declares what the README's snippets of the root module take
// as given. The packages it uses are imported for it.
const readmePrelude = `
var (
	ctx     = context.Background()
	secret  []byte
	payment = struct{ ID string }{ID: "pi_3Mqwerty"}
	invoice = struct{ ID string }{ID: "in_1MtHbE"}

	standardVerifier *standardwebhooks.Verifier
	stripeVerifier   *stripesig.Verifier
	githubVerifier   *githubsig.Verifier
	events           *webhook.Mux
)

// PaymentSucceeded is the data of a "payment.succeeded" event.
type PaymentSucceeded struct {
	ID     string  ` + "`json:\"id\"`" + `
	Amount float64 ` + "`json:\"amount\"`" + `
}

func credit(ctx context.Context, p PaymentSucceeded) error { return nil }
`

// TestReadmeSnippets builds every Go snippet of the README that needs only
// this module, as pasted, and checks that none drops an error or names a
// mux "mux". The snippets that need redisstore or durable are built by the
// same test in those modules.
func TestReadmeSnippets(t *testing.T) {
	t.Parallel()
	n, err := readmetest.Check(readmetest.Options{
		README:    "README.md",
		ModuleDir: ".",
		Module:    readmetest.RootModule,
		Prelude:   readmePrelude,
	})
	if errors.Is(err, readmetest.ErrModuleNotWritable) {
		t.Skip("module directory not writable (a copy in the module cache?): the snippets are checked in the repository")
	}
	require.NoError(t, err)
	require.NotZero(t, n, "no Go snippets found in README.md")
	t.Logf("%d snippets built", n)
}
