package compat

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-github/v74/github"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/githubsig"
)

const githubSecret = "It's a Secret to Everybody"

// GitHub publishes no signing library; its documented example stands for
// "signed by GitHub", and go-github is the verifier most Go services use.
func TestGitHubInterop(t *testing.T) {
	t.Parallel()
	const documented = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"
	body := []byte("Hello, World!")
	v, err := githubsig.NewVerifier([]string{githubSecret}, nil)
	require.NoError(t, err)
	require.NoError(t, github.ValidateSignature(documented, body, []byte(githubSecret)))
	require.NoError(t, v.Verify(documented, body))

	payload := []byte(`{"zen":"Keep it logically awesome.","hook_id":1}`)
	ours := githubsig.Sign(githubSecret, payload)
	require.NoError(t, github.ValidateSignature(ours, payload, []byte(githubSecret)))

	r := httptest.NewRequest(http.MethodPost, "/github", strings.NewReader(string(payload)))
	r.Header.Set(github.SHA256SignatureHeader, ours)
	r.Header.Set(github.DeliveryIDHeader, "72d3162e-cc78-11e3-81ab-4c9367dc0958")
	r.Header.Set(github.EventTypeHeader, "ping")
	a, err := v.Authenticate(r, payload)
	require.NoError(t, err)
	assert.Equal(t, github.DeliveryID(r), a.ID)
	assert.Equal(t, github.WebHookType(r), a.Type)
}
