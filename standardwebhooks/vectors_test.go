package standardwebhooks_test

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
	"github.com/signedhooks/webhook/standardwebhooks"
)

type vectorFile struct {
	Sign []struct {
		Name      string `json:"name"`
		Key       string `json:"key"`
		ID        string `json:"id"`
		Timestamp int64  `json:"timestamp"`
		Body      string `json:"body"`
		Want      string `json:"want"`
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

// clock returns a clock fixed at v.Now.
func (v vector) clock() func() time.Time {
	t := time.Unix(v.Now, 0)
	return func() time.Time { return t }
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
			s, err := standardwebhooks.NewSigner([]string{tc.Key}, nil)
			require.NoError(t, err)
			got, err := s.Sign(tc.ID, time.Unix(tc.Timestamp, 0), []byte(tc.Body))
			require.NoError(t, err)
			assert.Equal(t, tc.Want, got)
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
			v, err := standardwebhooks.NewVerifier(tc.Keys, &standardwebhooks.VerifierOptions{Now: tc.clock()})
			require.NoError(t, err)
			want := tc.wantErr(t)

			err = v.Verify(http.Header(tc.Headers), []byte(tc.Body))
			require.ErrorIs(t, err, want)
			if want == nil {
				require.NoError(t, err)
			}

			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.Body))
			r.Header = http.Header(tc.Headers)
			a, err := v.Authenticate(r, []byte(tc.Body))
			require.ErrorIs(t, err, want)
			if want != nil {
				return
			}
			require.NoError(t, err)
			id := tc.Headers[standardwebhooks.IDHeader]
			if id == nil {
				id = tc.Headers[standardwebhooks.SvixIDHeader]
			}
			assert.Equal(t, id[0], a.ID)
			assert.Empty(t, a.Type)
			assert.NotEmpty(t, a.Fingerprint)
			assert.Equal(t, 10*time.Minute, a.ReplayWindow)
		})
	}
}
