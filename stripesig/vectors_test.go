package stripesig_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook/internal/vectortest"
	"github.com/signedhooks/webhook/stripesig"
)

// signVector is one signing case of testdata/vectors.json (described in
// the repository's testdata/VECTORS.md); the verification cases are read by
// internal/vectortest, as every scheme's are.
type signVector struct {
	Name      string   `json:"name"`
	Keys      []string `json:"keys"`
	Timestamp int64    `json:"timestamp"`
	Body      string   `json:"body"`
	Want      string   `json:"want"`
}

func loadVectors(t testing.TB) vectortest.File[signVector] {
	return vectortest.Load[signVector](t, "testdata/vectors.json")
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
	for _, tc := range loadVectors(t).Verify {
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			v, err := stripesig.NewVerifier(tc.Keys, &stripesig.VerifierOptions{Now: tc.Clock()})
			require.NoError(t, err)
			tc.CheckErr(t, v.Verify(http.Header(tc.Headers).Get(stripesig.SignatureHeader), []byte(tc.Body)))
			a, ok := tc.Authenticate(t, v)
			if !ok {
				return
			}
			assert.Equal(t, tc.WantID(), a.ID)
			assert.Equal(t, tc.WantType(), a.Type)
			assert.Equal(t, time.Unix(1614265330, 0), a.Timestamp)
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, 10*time.Minute, a.ReplayWindow)
		})
	}
}
