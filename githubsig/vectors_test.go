package githubsig_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
)

type vectorFile struct {
	Sign []struct {
		Name string `json:"name"`
		Key  string `json:"key"`
		Body string `json:"body"`
		Want string `json:"want"`
	} `json:"sign"`
	Verify []vector `json:"verify"`
}

// vector is one verification case of testdata/vectors.json (described in
// the repository's testdata/VECTORS.md): a request, headers and body,
// checked by a verifier built with Keys at time Now. The test reads the file
// as an outsider would, as plain JSON, and checks it with the package's
// exported API and sentinel errors.
type vector struct {
	Name    string              `json:"name"`
	Keys    []string            `json:"keys"`
	Now     int64               `json:"now"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	Want    string              `json:"want"`
	ID      string              `json:"id,omitempty"`
	Type    string              `json:"type,omitempty"`
}

// vectorErrors maps a vector's want onto the error a verifier returns.
var vectorErrors = map[string]error{
	"ok":      nil,
	"missing": webhook.ErrMissingSignature,
	"invalid": webhook.ErrInvalidHeader,
	"nomatch": webhook.ErrNoMatchingSignature,
	"old":     webhook.ErrTimestampTooOld,
	"new":     webhook.ErrTimestampTooNew,
}

// wantErr returns the error the verifier must return for v, or nil.
func (v vector) wantErr(t testing.TB) error {
	err, ok := vectorErrors[v.Want]
	if !ok {
		t.Fatalf("vector %q: unknown want %q", v.Name, v.Want)
	}
	return err
}

func loadVectors(t testing.TB) vectorFile {
	t.Helper()
	b, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var f vectorFile
	require.NoError(t, json.Unmarshal(b, &f))
	return f
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range loadVectors(t).Sign {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.Want, githubsig.Sign(tc.Key, []byte(tc.Body)))
		})
	}
}

func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	vectors := loadVectors(t).Verify
	require.NotEmpty(t, vectors)
	for _, tc := range vectors {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			v, err := githubsig.NewVerifier(tc.Keys, &githubsig.VerifierOptions{ReplayWindow: time.Hour})
			require.NoError(t, err)
			want := tc.wantErr(t)
			h := http.Header(tc.Headers)

			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.Body))
			r.Header = h
			a, err := v.Authenticate(r, []byte(tc.Body))
			require.ErrorIs(t, err, want)
			if want != nil {
				return
			}
			require.NoError(t, err)
			assert.Equal(t, strings.TrimPrefix(tc.ID, "-"), a.ID)
			assert.Equal(t, strings.TrimPrefix(tc.Type, "-"), a.Type)
			assert.True(t, a.Timestamp.IsZero())
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, time.Hour, a.ReplayWindow)

			require.NoError(t, v.Verify(h.Get(githubsig.SignatureHeader), []byte(tc.Body)))
		})
	}
}
