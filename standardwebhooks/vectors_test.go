package standardwebhooks_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/vectortest"
	"github.com/signedhooks/webhook/standardwebhooks"
)

// signVector is one signing case of testdata/vectors.json (described in
// the repository's testdata/VECTORS.md); the verification cases are read by
// internal/vectortest, as every scheme's are.
type signVector struct {
	Name      string `json:"name"`
	Key       string `json:"key"`
	ID        string `json:"id"`
	Timestamp int64  `json:"timestamp"`
	Body      string `json:"body"`
	Want      string `json:"want"`
}

func loadVectors(t testing.TB) vectortest.File[signVector] {
	return vectortest.Load[signVector](t, "testdata/vectors.json")
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
	for _, tc := range loadVectors(t).Verify {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			v, err := standardwebhooks.NewVerifier(tc.Keys, &standardwebhooks.VerifierOptions{Now: tc.Clock()})
			require.NoError(t, err)
			tc.CheckErr(t, v.Verify(http.Header(tc.Headers), []byte(tc.Body)))
			a, ok := tc.Authenticate(t, v)
			if !ok {
				return
			}
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
