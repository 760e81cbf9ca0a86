package webhook_test

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
)

// vectorFile is testdata/vectors.json, the native format's published
// vectors (see testdata/VECTORS.md), computed outside Go by
// testdata/vectors.py with Python's hmac, so the wire format cannot drift.
// The test reads it as an outsider would: plain JSON, checked with the
// public ParseSecret, Signer and Verifier.
type vectorFile struct {
	Sign []struct {
		Name      string   `json:"name"`
		Keys      []string `json:"keys"`
		Timestamp int64    `json:"timestamp"`
		Body      string   `json:"body"`
		Want      string   `json:"want"`
	} `json:"sign"`
	Verify []struct {
		Name    string              `json:"name"`
		Keys    []string            `json:"keys"`
		Now     int64               `json:"now"`
		Headers map[string][]string `json:"headers"`
		Body    string              `json:"body"`
		Want    string              `json:"want"`
		ID      string              `json:"id"`
	} `json:"verify"`
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

func loadVectors(t *testing.T) vectorFile {
	t.Helper()
	data, err := os.ReadFile("testdata/vectors.json")
	require.NoError(t, err)
	var f vectorFile
	require.NoError(t, json.Unmarshal(data, &f))
	require.NotEmpty(t, f.Sign)
	require.NotEmpty(t, f.Verify)
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
			want, known := vectorErrors[vec.Want]
			require.True(t, known, "unknown want %q", vec.Want)
			keys := parseKeys(t, vec.Keys)
			now := time.Unix(vec.Now, 0)
			v, err := webhook.NewVerifier(keys[0], &webhook.VerifierOptions{
				AdditionalSecrets: keys[1:],
				Now:               func() time.Time { return now },
			})
			require.NoError(t, err)
			h := http.Header(vec.Headers)

			err = v.Verify(h.Get(webhook.SignatureHeader), []byte(vec.Body))
			if want == nil {
				require.NoError(t, err)
			} else {
				require.ErrorIs(t, err, want)
			}

			r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(vec.Body))
			r.Header = h
			a, err := v.Authenticate(r, []byte(vec.Body))
			if want != nil {
				require.ErrorIs(t, err, want)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, vec.ID, a.ID)
			assert.Len(t, a.Fingerprint, 64)
			assert.Equal(t, 2*webhook.DefaultTolerance, a.ReplayWindow)

			// The whole pipeline agrees: the middleware accepts it.
			rec := httptest.NewRecorder()
			r = httptest.NewRequest(http.MethodPost, "/", strings.NewReader(vec.Body))
			r.Header = h
			webhook.Middleware(v, nil)(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(rec, r)
			assert.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
		})
	}
}
