package webhookotel_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/readmetest"
)

// readmePrelude declares what the README's OpenTelemetry snippets take as
// given.
const readmePrelude = `
var (
	secret []byte
	events *webhook.Mux
)
`

// TestReadmeSnippets builds the README's Go snippets that use webhookotel,
// as pasted, inside this module, and checks that none drops an error or
// names a mux "mux".
func TestReadmeSnippets(t *testing.T) {
	t.Parallel()
	n, err := readmetest.Check(readmetest.Options{
		README:    "../README.md",
		ModuleDir: ".",
		Module:    readmetest.OtelModule,
		Prelude:   readmePrelude,
	})
	if errors.Is(err, readmetest.ErrModuleNotWritable) {
		t.Skip("module directory not writable (a copy in the module cache?): the snippets are checked in the repository")
	}
	require.NoError(t, err)
	require.NotZero(t, n, "no webhookotel snippets found in README.md")
	t.Logf("%d snippets built", n)
}
