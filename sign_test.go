package webhook_test

import (
	"bytes"
	"fmt"
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

var (
	testSecret  = []byte("test-secret-0123456789")
	otherSecret = []byte("other-secret-0123456789")
	testTime    = time.Unix(1732838400, 0)
)

func fixedNow() time.Time { return testTime }

func TestNewSignerRejectsBadSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		secret  []byte
		more    [][]byte
		wantErr error
	}{
		{"nil", nil, nil, webhook.ErrNoSecret},
		{"short", []byte("short"), nil, webhook.ErrSecretTooShort},
		{"fifteen bytes", []byte("0123456789abcde"), nil, webhook.ErrSecretTooShort},
		{"short additional", testSecret, [][]byte{[]byte("x")}, webhook.ErrSecretTooShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := webhook.NewSigner(tc.secret, &webhook.SignerOptions{AdditionalSecrets: tc.more})
			require.ErrorIs(t, err, tc.wantErr)
			_, err = webhook.NewVerifier(tc.secret, &webhook.VerifierOptions{AdditionalSecrets: tc.more})
			require.ErrorIs(t, err, tc.wantErr)
		})
	}
}

func TestSignerCopiesSecrets(t *testing.T) {
	t.Parallel()
	secret := append([]byte(nil), testSecret...)
	s, err := webhook.NewSigner(secret, nil)
	require.NoError(t, err)
	before := s.Sign(testTime, []byte("x"))
	secret[0] ^= 0xff
	assert.Equal(t, before, s.Sign(testTime, []byte("x")))
}

func TestSignOneEntryPerSecret(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(testSecret, &webhook.SignerOptions{AdditionalSecrets: [][]byte{otherSecret}})
	require.NoError(t, err)
	h := s.Sign(testTime, []byte(`{}`))
	parts := strings.Split(h, ",")
	require.Len(t, parts, 3)
	assert.Equal(t, "t=1732838400", parts[0])
	assert.True(t, strings.HasPrefix(parts[1], "s="))
	assert.True(t, strings.HasPrefix(parts[2], "s="))
	assert.NotEqual(t, parts[1], parts[2])
	assert.Len(t, parts[1], 66)
}

func TestSignRequest(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(testSecret, &webhook.SignerOptions{Now: fixedNow})
	require.NoError(t, err)
	v, err := webhook.NewVerifier(testSecret, &webhook.VerifierOptions{Now: fixedNow})
	require.NoError(t, err)

	body := `{"event":"user.created"}`
	req := httptest.NewRequest(http.MethodPost, "/webhook", strings.NewReader(body))
	require.NoError(t, s.SignRequest(req, "msg_1"))
	assert.Equal(t, "msg_1", req.Header.Get(webhook.IDHeader))
	assert.Equal(t, "1732838400", req.Header.Get(webhook.TimestampHeader))
	assert.Equal(t, "application/json", req.Header.Get("Content-Type"))
	assert.Equal(t, s.Sign(testTime, []byte(body)), req.Header.Get(webhook.SignatureHeader))

	// The body is still readable, and GetBody replays it.
	got, err := v.VerifyRequest(req)
	require.NoError(t, err)
	assert.Equal(t, body, string(got))
	rc, err := req.GetBody()
	require.NoError(t, err)
	again, _ := io.ReadAll(rc)
	assert.Equal(t, body, string(again))

	// An empty id gets a generated one; a caller's Content-Type is kept.
	req = httptest.NewRequest(http.MethodPost, "/webhook", bytes.NewReader(nil))
	req.Header.Set("Content-Type", "text/plain")
	require.NoError(t, s.SignRequest(req, ""))
	assert.Regexp(t, `^msg_[0-9a-z]{26}$`, req.Header.Get(webhook.IDHeader))
	assert.Equal(t, "text/plain", req.Header.Get("Content-Type"))
}

func TestSignRequestCustomHeaders(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(testSecret, &webhook.SignerOptions{
		Now: fixedNow, SignatureHeader: "X-Sig", TimestampHeader: "X-Ts", IDHeader: "X-Id",
	})
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
	require.NoError(t, s.SignRequest(req, "a"))
	assert.NotEmpty(t, req.Header.Get("X-Sig"))
	assert.Equal(t, "1732838400", req.Header.Get("X-Ts"))
	assert.Equal(t, "a", req.Header.Get("X-Id"))
	assert.Empty(t, req.Header.Get(webhook.SignatureHeader))
}

func TestSignRequestReadError(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	req := httptest.NewRequest(http.MethodPost, "/", io.NopCloser(errReader{}))
	require.Error(t, s.SignRequest(req, "a"))
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, fmt.Errorf("boom") }

func TestNewMessageIDUnique(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := webhook.NewMessageID()
		require.False(t, seen[id], "duplicate id %s", id)
		seen[id] = true
	}
}

func TestStringNeverShowsSecrets(t *testing.T) {
	t.Parallel()
	s, err := webhook.NewSigner(testSecret, nil)
	require.NoError(t, err)
	v, err := webhook.NewVerifier(testSecret, nil)
	require.NoError(t, err)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		for _, x := range []any{s, v} {
			out := fmt.Sprintf(format, x)
			assert.NotContains(t, out, string(testSecret), format)
			assert.NotContains(t, out, fmt.Sprint(testSecret[:4]), format)
		}
	}
}
