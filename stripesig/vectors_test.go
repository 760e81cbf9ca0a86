package stripesig_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/authkit/authkittest"
	"github.com/signedhooks/webhook/stripesig"
)

type vectorFile struct {
	Sign []struct {
		Name      string   `json:"name"`
		Keys      []string `json:"keys"`
		Timestamp int64    `json:"timestamp"`
		Body      string   `json:"body"`
		Want      string   `json:"want"`
	} `json:"sign"`
	Verify []authkittest.Vector `json:"verify"`
}

func loadVectors(t testing.TB) vectorFile {
	var f vectorFile
	authkittest.Load(t, "testdata/vectors.json", &f)
	return f
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	for _, tc := range loadVectors(t).Sign {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.Want, stripesig.Sign(tc.Keys, time.Unix(tc.Timestamp, 0), []byte(tc.Body)))
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
			v, err := stripesig.NewVerifier(tc.Keys, &stripesig.VerifierOptions{Now: tc.Clock()})
			require.NoError(t, err)
			want := tc.WantErr(t)
			h := http.Header(tc.Headers)

			err = v.Verify(h.Get(stripesig.SignatureHeader), []byte(tc.Body))
			require.ErrorIs(t, err, want)
			if want == nil {
				require.NoError(t, err)
			}

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
			assert.Equal(t, time.Unix(1614265330, 0), a.Timestamp)
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, 10*time.Minute, a.ReplayWindow)
		})
	}
}
