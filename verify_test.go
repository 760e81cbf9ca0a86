package webhook_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newSigner(t testing.TB, secret []byte) *webhook.Signer {
	t.Helper()
	s, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)
	return s
}

func TestVerify(t *testing.T) {
	t.Parallel()
	body := []byte(`{"event":"payment.succeeded"}`)
	good := newSigner(t, testSecret).Sign(testTime, body)
	sig := good[len("t=1732838400,s="):]
	other := newSigner(t, otherSecret).Sign(testTime, body)
	otherSig := other[len("t=1732838400,s="):]
	at := func(d time.Duration) string { return newSigner(t, testSecret).Sign(testTime.Add(d), body) }

	tests := []struct {
		name    string
		header  string
		body    []byte
		opts    webhook.VerifierOptions
		wantErr error
	}{
		{name: "valid", header: good},
		{name: "missing", header: "", wantErr: webhook.ErrMissingSignature},
		{name: "no t", header: "s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "no s", header: "t=1732838400", wantErr: webhook.ErrInvalidHeader},
		{name: "empty t", header: "t=,s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "negative t", header: "t=-1,s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "non-numeric t", header: "t=abc,s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "huge t", header: "t=99999999999999999999999,s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "duplicate t", header: "t=1732838400,t=1732838400,s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "non-hex s", header: "t=1732838400,s=" + strings.Repeat("zz", 32), wantErr: webhook.ErrInvalidHeader},
		{name: "short s", header: "t=1732838400,s=" + sig[:62], wantErr: webhook.ErrInvalidHeader},
		{name: "long s", header: "t=1732838400,s=" + sig + "00", wantErr: webhook.ErrInvalidHeader},
		{name: "too many s", header: "t=1732838400" + strings.Repeat(",s="+otherSig, 8) + ",s=" + sig, wantErr: webhook.ErrInvalidHeader},
		{name: "header too long", header: good + ",x=" + strings.Repeat("a", 5000), wantErr: webhook.ErrInvalidHeader},
		{name: "garbage", header: "not a header", wantErr: webhook.ErrInvalidHeader},
		{name: "uppercase hex", header: "t=1732838400,s=" + strings.ToUpper(sig)},
		{name: "spaces around pairs", header: " t=1732838400 ,\ts=" + sig + " "},
		{name: "unknown keys ignored", header: "v=2,t=1732838400,foo=bar=baz,s=" + sig + ",bare"},
		{name: "empty pairs ignored", header: ",t=1732838400,,s=" + sig + ","},
		{name: "duplicate s, one good", header: "t=1732838400,s=" + otherSig + ",s=" + sig},
		{name: "max s entries", header: "t=1732838400" + strings.Repeat(",s="+otherSig, 7) + ",s=" + sig},
		{name: "wrong secret", header: other, wantErr: webhook.ErrNoMatchingSignature},
		{name: "tampered body", header: good, body: []byte(`{"event":"payment.failed"}`), wantErr: webhook.ErrNoMatchingSignature},
		{name: "signature for another t", header: "t=1732838401,s=" + sig, wantErr: webhook.ErrNoMatchingSignature},
		{name: "leading zero t is a different message", header: "t=01732838400,s=" + sig, wantErr: webhook.ErrNoMatchingSignature},
		{name: "rotation: old secret still accepted", header: other, opts: webhook.VerifierOptions{AdditionalSecrets: [][]byte{otherSecret}}},
		{name: "too old", header: at(-5*time.Minute - time.Second), wantErr: webhook.ErrTimestampTooOld},
		{name: "old edge accepted", header: at(-5 * time.Minute)},
		{name: "too new", header: at(5*time.Minute + time.Second), wantErr: webhook.ErrTimestampTooNew},
		{name: "future edge accepted", header: at(5 * time.Minute)},
		{name: "custom tolerance", header: at(-time.Hour), opts: webhook.VerifierOptions{Tolerance: 2 * time.Hour}},
		{name: "custom tolerance too old", header: at(-time.Minute - time.Second), opts: webhook.VerifierOptions{Tolerance: time.Minute}, wantErr: webhook.ErrTimestampTooOld},
		{name: "skip timestamp check", header: at(-24 * 365 * time.Hour), opts: webhook.VerifierOptions{InsecureSkipTimestampCheck: true}},
		{name: "signature checked before time", header: "t=1,s=" + sig, wantErr: webhook.ErrNoMatchingSignature},
		{name: "largest t is far in the future", header: newSigner(t, testSecret).Sign(time.Unix(999999999999, 0), body), wantErr: webhook.ErrTimestampTooNew},
		{name: "zero t is far in the past", header: newSigner(t, testSecret).Sign(time.Unix(0, 0), body), wantErr: webhook.ErrTimestampTooOld},
		{name: "huge tolerance still bounds the future", header: newSigner(t, testSecret).Sign(time.Unix(999999999999, 0), body), opts: webhook.VerifierOptions{Tolerance: 1<<63 - 1}, wantErr: webhook.ErrTimestampTooNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			opts := tc.opts
			opts.Now = fixedNow
			v, err := webhook.NewVerifier(testSecret, &opts)
			require.NoError(t, err)
			b := body
			if tc.body != nil {
				b = tc.body
			}
			err = v.Verify(tc.header, b)
			if tc.wantErr == nil {
				require.NoError(t, err)
				return
			}
			require.ErrorIs(t, err, tc.wantErr)
			assert.NotContains(t, err.Error(), string(testSecret))
		})
	}
}

func TestVerifyEmptyBody(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow})
	require.NoError(t, err)
	h := newSigner(t, testSecret).Sign(testTime, nil)
	require.NoError(t, v.Verify(h, nil))
	require.NoError(t, v.Verify(h, []byte{}))
	require.ErrorIs(t, v.Verify(h, []byte{0}), webhook.ErrNoMatchingSignature)
}

func TestNewVerifierRejectsNegativeOptions(t *testing.T) {
	t.Parallel()
	_, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Tolerance: -time.Second})
	require.Error(t, err)
	_, err = webhook.NewVerifier(testSecret, &webhook.VerifierOptions{MaxBodyBytes: -1})
	require.Error(t, err)
}

func TestVerifierCopiesOptions(t *testing.T) {
	t.Parallel()
	opts := &webhook.VerifierOptions{Now: fixedNow}
	v, err := webhook.NewVerifier(testSecret, opts)
	require.NoError(t, err)
	opts.Now = func() time.Time { return testTime.Add(time.Hour) }
	require.NoError(t, v.Verify(newSigner(t, testSecret).Sign(testTime, nil), nil))
}

func TestVerifyRequest(t *testing.T) {
	t.Parallel()
	const limit = 64
	signer := newSigner(t, testSecret)
	atLimit := strings.Repeat("a", limit)
	overLimit := strings.Repeat("a", limit+1)

	tests := []struct {
		name          string
		body          string
		header        string // "" means sign body
		unsigned      bool
		unknownLength bool
		wantErr       error
	}{
		{name: "valid", body: `{"a":1}`},
		{name: "empty body", body: ""},
		{name: "exactly the limit", body: atLimit},
		{name: "exactly the limit, unknown length", body: atLimit, unknownLength: true},
		{name: "one byte over", body: overLimit, wantErr: webhook.ErrBodyTooLarge},
		{name: "one byte over, unknown length", body: overLimit, unknownLength: true, wantErr: webhook.ErrBodyTooLarge},
		{name: "missing header", body: "{}", unsigned: true, wantErr: webhook.ErrMissingSignature},
		{name: "malformed header", body: "{}", header: "t=1", wantErr: webhook.ErrInvalidHeader},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow, MaxBodyBytes: limit})
			require.NoError(t, err)
			req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(tc.body))
			if tc.unknownLength {
				req.ContentLength = -1
				req.Body = io.NopCloser(strings.NewReader(tc.body))
			}
			switch {
			case tc.header != "":
				req.Header.Set(webhook.SignatureHeader, tc.header)
			case !tc.unsigned:
				req.Header.Set(webhook.SignatureHeader, signer.Sign(testTime, []byte(tc.body)))
			}
			got, err := v.VerifyRequest(req)
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(got))
			again, err := io.ReadAll(req.Body)
			require.NoError(t, err)
			assert.Equal(t, tc.body, string(again), "body must stay readable for the next handler")
		})
	}
}

// A missing or malformed header is reported without reading the body.
func TestVerifyRequestHeaderBeforeBody(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(testSecret, nil)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(errReader{}))
	_, err = v.VerifyRequest(req)
	require.ErrorIs(t, err, webhook.ErrMissingSignature)
}

func TestVerifyRequestReadsAtMostLimitPlusOne(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{MaxBodyBytes: 10})
	require.NoError(t, err)
	src := &countingReader{r: strings.NewReader(strings.Repeat("x", 1000))}
	req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(src))
	req.ContentLength = -1
	req.Header.Set(webhook.SignatureHeader, newSigner(t, testSecret).Sign(time.Now(), nil))
	_, err = v.VerifyRequest(req)
	require.ErrorIs(t, err, webhook.ErrBodyTooLarge)
	assert.LessOrEqual(t, src.n, 11)
}

type countingReader struct {
	r io.Reader
	n int
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += n
	return n, err
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow})
	require.NoError(t, err)
	body := []byte(`{}`)
	h := newSigner(t, testSecret).Sign(testTime, body)
	req := httptest.NewRequest(http.MethodPost, "/", nil)
	req.Header.Set(webhook.SignatureHeader, h)
	req.Header.Set(webhook.IDHeader, "msg_9")
	a, err := v.Authenticate(req, body)
	require.NoError(t, err)
	assert.Equal(t, "msg_9", a.ID)
	assert.True(t, a.Timestamp.Equal(testTime))
	assert.Equal(t, h[len("t=1732838400,s="):], a.Fingerprint)
	assert.Equal(t, 10*time.Minute, a.ReplayWindow)

	req.Header.Del(webhook.IDHeader)
	a, err = v.Authenticate(req, body)
	require.NoError(t, err)
	assert.Empty(t, a.ID, "a request without an id is still valid")

	_, err = v.Authenticate(req, []byte(`{"x":1}`))
	require.ErrorIs(t, err, webhook.ErrNoMatchingSignature)
}
