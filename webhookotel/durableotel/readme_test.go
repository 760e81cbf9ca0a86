package durableotel_test

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/readmetest"
)

// readmePrelude declares what the README's durableotel snippets take as
// given.
const readmePrelude = `
var (
	ctx    = context.Background()
	secret []byte
	db     *sql.DB
)
`

// TestReadmeSnippets builds the README's Go snippets that use durableotel,
// as pasted, inside this module.
func TestReadmeSnippets(t *testing.T) {
	t.Parallel()
	n, err := readmetest.Check(readmetest.Options{
		README:    "../../README.md",
		ModuleDir: ".",
		Module:    readmetest.DurableOtelModule,
		Prelude:   readmePrelude,
	})
	if errors.Is(err, readmetest.ErrModuleNotWritable) {
		t.Skip("module directory not writable (a copy in the module cache?): the snippets are checked in the repository")
	}
	require.NoError(t, err)
	require.NotZero(t, n, "no durableotel snippets found in README.md")
	t.Logf("%d snippets built", n)
}
