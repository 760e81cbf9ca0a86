package readmetest_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/readmetest"
)

func TestExtract(t *testing.T) {
	t.Parallel()
	readme := strings.Join([]string{
		"# title",       // 1
		"```sh",         // 2
		"go test ./...", // 3
		"```",           // 4
		"```go",         // 5
		`v, err := webhook.NewVerifier(nil, nil)`, // 6
		"```",                                    // 7
		"```go",                                  // 8
		`import "github.com/redis/go-redis/v9"`,  // 9
		"",                                       // 10
		`c := redis.NewClient(nil)`,              // 11
		"```",                                    // 12
		"```go",                                  // 13
		`o, err := durable.NewOutbox(b, s, nil)`, // 14
		"```",                                    // 15
	}, "\n")
	got, err := readmetest.Extract([]byte(readme))
	require.NoError(t, err)
	require.Len(t, got, 3)
	assert.Equal(t, []int{6, 9, 14}, []int{got[0].Line, got[1].Line, got[2].Line})
	assert.Equal(t, []string{readmetest.RootModule, readmetest.RedisModule, readmetest.DurableModule},
		[]string{got[0].Module, got[1].Module, got[2].Module})
	assert.Equal(t, "v, err := webhook.NewVerifier(nil, nil)\n", got[0].Code)

	_, err = readmetest.Extract([]byte("```go\nx := 1\n"))
	require.Error(t, err, "an unclosed block")
	_, err = readmetest.Extract([]byte("```go\nredisstore.New(c, nil)\ndurable.SQLite(db)\n```\n"))
	require.Error(t, err, "a block that needs two modules")
}

// TestCheck builds READMEs with one snippet each in this module, and checks
// that every kind of broken snippet fails at its README line.
func TestCheck(t *testing.T) {
	t.Parallel()
	const prelude = `
var (
	ctx    = context.Background()
	secret []byte
)
`
	tests := []struct {
		name    string
		snippet string
		want    string // in the error, after the README's name; "" for no error
	}{
		{"compiles", `
verifier, err := webhook.NewVerifier(secret, nil)
if err != nil {
	log.Fatal(err)
}
events := webhook.NewMux(nil)
http.Handle("/webhook", webhook.Middleware(verifier, nil)(events))
`, ""},
		{"declarations", `
import "github.com/signedhooks/webhook"

func handle(ctx context.Context, ev webhook.Event) error {
	_, err := webhook.DecodeData[map[string]any](ev)
	return err
}
`, ""},
		{"imports on one line", `
import ("fmt"; "github.com/signedhooks/webhook")

fmt.Println(webhook.NewMessageID())
`, ""},
		{"deferred cleanup", `
f, err := os.Open("x")
if err != nil {
	log.Fatal(err)
}
defer f.Close()
`, ""},
		{"declared and not used", `
verifier, err := webhook.NewVerifier(secret, nil)
`, "README.md:3: declared and not used"},
		{"misspelt API", `
webhook.NewVerfier(secret, nil)
`, "README.md:3: undefined: webhook.NewVerfier"},
		{"dropped error", `
verifier, err := webhook.NewVerifier(secret, nil)
if err != nil {
	log.Fatal(err)
}
verifier.Verify("t=1,s=00", nil)
`, "README.md:7: the error of verifier.Verify is dropped"},
		{"error assigned to _", `
store, _ := webhook.NewMemoryStore(nil)
_ = store
`, "README.md:3: an error is assigned to _"},
		{"webhook.Mux named mux", `
mux := webhook.NewMux(nil)
http.Handle("/webhook", mux)
`, "README.md:3: a *github.com/signedhooks/webhook.Mux named mux"},
		{"http.ServeMux named mux", `
mux := http.NewServeMux()
mux.Handle("/webhook", webhook.NewMux(nil))
`, "README.md:3: a *net/http.ServeMux named mux"},
		{"vet", `
fmt.Printf("%d\n", "one")
`, "README.md:3: fmt.Printf format %d has arg \"one\" of wrong type string"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			readme := filepath.Join(t.TempDir(), "README.md")
			require.NoError(t, os.WriteFile(readme, []byte("text\n```go"+tc.snippet+"```\n"), 0o644))
			n, err := readmetest.Check(readmetest.Options{
				README:    readme,
				ModuleDir: "../..",
				Module:    readmetest.RootModule,
				Prelude:   prelude,
			})
			assert.Equal(t, 1, n)
			if tc.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}
