// Package vectortest reads the published test vectors of a signing scheme
// (a package's testdata/vectors.json, described in the repository's
// testdata/VECTORS.md) for that package's tests. It reads them as an
// outsider would, as plain JSON, and checks them through the exported API
// and sentinel errors only, so the tests of every scheme share one reading
// of the file format.
package vectortest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
)

// File is a vectors.json: signing cases, whose fields differ by scheme,
// and verification cases, which every scheme shares.
type File[S any] struct {
	Sign   []S      `json:"sign"`
	Verify []Verify `json:"verify"`
}

// Verify is one verification case: a request, its headers and body,
// checked by a verifier built with Keys at time Now. Want names the
// outcome (see [Verify.WantErr]); ID and Type, where given, are what the
// authenticator must report (a leading "-" marks an expected empty value
// in the file's own notation and is dropped by [Verify.WantID] and
// [Verify.WantType]).
type Verify struct {
	Name    string              `json:"name"`
	Keys    []string            `json:"keys"`
	Now     int64               `json:"now"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	Want    string              `json:"want"`
	ID      string              `json:"id,omitempty"`
	Type    string              `json:"type,omitempty"`
}

// wantErrors maps a case's Want onto the error a verifier returns.
var wantErrors = map[string]error{
	"ok":      nil,
	"missing": webhook.ErrMissingSignature,
	"invalid": webhook.ErrInvalidHeader,
	"nomatch": webhook.ErrNoMatchingSignature,
	"old":     webhook.ErrTimestampTooOld,
	"new":     webhook.ErrTimestampTooNew,
}

// Load reads path, failing t unless it holds at least one verification
// case.
func Load[S any](t testing.TB, path string) File[S] {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var f File[S]
	require.NoError(t, json.Unmarshal(b, &f))
	require.NotEmpty(t, f.Verify, "%s has no verification cases", path)
	return f
}

// Clock returns a clock fixed at v.Now.
func (v Verify) Clock() func() time.Time {
	now := time.Unix(v.Now, 0)
	return func() time.Time { return now }
}

// WantErr returns the error a verifier must return for v, or nil; an
// unknown Want fails t.
func (v Verify) WantErr(t testing.TB) error {
	t.Helper()
	err, ok := wantErrors[v.Want]
	if !ok {
		t.Fatalf("vector %q: unknown want %q", v.Name, v.Want)
	}
	return err
}

// WantID is the id the authenticator must report.
func (v Verify) WantID() string { return strings.TrimPrefix(v.ID, "-") }

// WantType is the event type the authenticator must report.
func (v Verify) WantType() string { return strings.TrimPrefix(v.Type, "-") }

// Request is v's request: its headers and body.
func (v Verify) Request() *http.Request {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(v.Body))
	r.Header = http.Header(v.Headers)
	return r
}

// Authenticate runs a on v's request and checks its error against
// [Verify.WantErr]. It reports whether v expects success, with what a
// returned.
func (v Verify) Authenticate(t testing.TB, a webhook.Authenticator) (webhook.Authenticated, bool) {
	t.Helper()
	want := v.WantErr(t)
	got, err := a.Authenticate(v.Request(), []byte(v.Body))
	if want != nil {
		require.ErrorIs(t, err, want)
		return got, false
	}
	require.NoError(t, err)
	return got, true
}

// CheckErr checks err, a verifier's answer to v, against [Verify.WantErr].
func (v Verify) CheckErr(t testing.TB, err error) {
	t.Helper()
	if want := v.WantErr(t); want != nil {
		require.ErrorIs(t, err, want)
		return
	}
	require.NoError(t, err)
}
