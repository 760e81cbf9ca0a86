package standardwebhooks_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/authkit/authkittest"
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
			v, err := standardwebhooks.NewVerifier(tc.Keys, &standardwebhooks.VerifierOptions{Now: tc.Clock()})
			require.NoError(t, err)
			want := tc.WantErr(t)

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
