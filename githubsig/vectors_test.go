package githubsig_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/internal/vectortest"
)

// signVector is one signing case of testdata/vectors.json (described in
// the repository's testdata/VECTORS.md); the verification cases are read by
// internal/vectortest, as every scheme's are.
type signVector struct {
	Name string `json:"name"`
	Key  string `json:"key"`
	Body string `json:"body"`
	Want string `json:"want"`
}

func loadVectors(t testing.TB) vectortest.File[signVector] {
	return vectortest.Load[signVector](t, "testdata/vectors.json")
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
	for _, tc := range loadVectors(t).Verify {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			v, err := githubsig.NewVerifier(tc.Keys, &githubsig.VerifierOptions{ReplayWindow: time.Hour})
			require.NoError(t, err)
			a, ok := tc.Authenticate(t, v)
			if !ok {
				return
			}
			assert.Equal(t, tc.WantID(), a.ID)
			assert.Equal(t, tc.WantType(), a.Type)
			assert.True(t, a.Timestamp.IsZero())
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, time.Hour, a.ReplayWindow)

			require.NoError(t, v.Verify(http.Header(tc.Headers).Get(githubsig.SignatureHeader), []byte(tc.Body)))
		})
	}
}
