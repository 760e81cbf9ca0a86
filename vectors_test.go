package webhook_test

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/internal/vectortest"
)

// signVector is one signing case of testdata/vectors.json, the native
// format's published vectors (see testdata/VECTORS.md), computed outside Go
// by testdata/vectors.py with Python's hmac, so the wire format cannot
// drift. The tests read the file as an outsider would (internal/vectortest
// reads every scheme's): plain JSON, checked with the public ParseSecret,
// Signer and Verifier.
type signVector struct {
	Name      string   `json:"name"`
	Keys      []string `json:"keys"`
	Timestamp int64    `json:"timestamp"`
	Body      string   `json:"body"`
	Want      string   `json:"want"`
}

func loadVectors(t *testing.T) vectortest.File[signVector] {
	t.Helper()
	f := vectortest.Load[signVector](t, "testdata/vectors.json")
	require.NotEmpty(t, f.Sign)
	return f
}

func parseKeys(t *testing.T, secrets []string) [][]byte {
	t.Helper()
	require.NotEmpty(t, secrets)
	var keys [][]byte
	for _, s := range secrets {
		k, err := webhook.ParseSecret(s)
		require.NoError(t, err)
		keys = append(keys, k)
	}
	return keys
}

func TestSignVectors(t *testing.T) {
	t.Parallel()
	for _, vec := range loadVectors(t).Sign {
		t.Run(vec.Name, func(t *testing.T) {
			t.Parallel()
			keys := parseKeys(t, vec.Keys)
			ts := time.Unix(vec.Timestamp, 0)

			signer, err := webhook.NewSigner(keys[0], &webhook.SignerOptions{AdditionalSecrets: keys[1:]})
			require.NoError(t, err)
			assert.Equal(t, vec.Want, signer.Sign(ts, []byte(vec.Body)))

			// Each secret alone accepts the header.
			for _, k := range keys {
				v, err := webhook.NewVerifier(k, &webhook.VerifierOptions{Now: func() time.Time { return ts }})
				require.NoError(t, err)
				require.NoError(t, v.Verify(vec.Want, []byte(vec.Body)))
				require.ErrorIs(t, v.Verify(vec.Want, []byte(vec.Body+" ")), webhook.ErrNoMatchingSignature)
			}
		})
	}
}

func TestVerifyVectors(t *testing.T) {
	t.Parallel()
	for _, vec := range loadVectors(t).Verify {
		t.Run(vec.Name, func(t *testing.T) {
			t.Parallel()
			keys := parseKeys(t, vec.Keys)
			v, err := webhook.NewVerifier(keys[0], &webhook.VerifierOptions{
				AdditionalSecrets: keys[1:],
				Now:               vec.Clock(),
			})
			require.NoError(t, err)
			vec.CheckErr(t, v.Verify(http.Header(vec.Headers).Get(webhook.SignatureHeader), []byte(vec.Body)))
			a, ok := vec.Authenticate(t, v)
			if !ok {
				return
			}
			assert.Equal(t, vec.WantID(), a.ID)
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, 2*webhook.DefaultTolerance, a.ReplayWindow)

			// The whole pipeline agrees: the middleware accepts it.
			rec := httptest.NewRecorder()
			webhook.Middleware(v, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, vec.Request())
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
}
