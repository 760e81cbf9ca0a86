package endpoints_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
	verrors "github.com/pb33f/libopenapi-validator/errors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// specChecked serves h and checks every answer against the OpenAPI
// document h serves: the response always, the request too when it
// succeeded (a refused request may break the document on purpose).
// Unknown routes and wrong methods have no operation to check against.
// hdr are header name and value pairs for fetching the document.
func specChecked(t testing.TB, h http.Handler, hdr ...string) http.Handler {
	t.Helper()
	rec := httptest.NewRecorder()
	get := httptest.NewRequest("GET", "/openapi.json", nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		get.Header.Set(hdr[i], hdr[i+1])
	}
	h.ServeHTTP(rec, get)
	require.Equal(t, http.StatusOK, rec.Code)
	doc, err := libopenapi.NewDocument(rec.Body.Bytes())
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	ok, verrs := v.ValidateDocument()
	require.True(t, ok, "the document is valid OpenAPI: %s", describe(verrs))
	var mu sync.Mutex // one check at a time: the tests' requests run in parallel
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		require.NoError(t, err)
		r.Body = io.NopCloser(bytes.NewReader(body))
		out := httptest.NewRecorder()
		h.ServeHTTP(out, r)
		for k, vs := range out.Header() {
			w.Header()[k] = vs
		}
		w.WriteHeader(out.Code)
		_, _ = w.Write(out.Body.Bytes())

		code := ""
		if out.Code >= 400 {
			code = strings.SplitN(strings.TrimPrefix(out.Body.String(), `{"error":"`), `"`, 2)[0]
		}
		if code == "unknown_route" || code == "method_not_allowed" {
			return
		}
		req := r.Clone(r.Context())
		req.Body = io.NopCloser(bytes.NewReader(body))
		if len(body) > 0 && req.Header.Get("Content-Type") == "" {
			req.Header.Set("Content-Type", "application/json") // the tests leave it out; the API does not need it
		}
		resp := out.Result()
		mu.Lock()
		defer mu.Unlock()
		var verrs []*verrors.ValidationError
		if out.Code < 300 {
			ok, verrs = v.ValidateHttpRequestResponse(req, resp)
		} else {
			ok, verrs = v.ValidateHttpResponse(req, resp)
		}
		assert.True(t, ok, "%s %s → %d %s\ndoes not follow the OpenAPI document: %s", r.Method, r.URL, out.Code, out.Body.String(), describe(verrs))
	})
}

func describe(errs []*verrors.ValidationError) string {
	var b strings.Builder
	for _, e := range errs {
		fmt.Fprintf(&b, "\n  %s: %s", e.Message, e.Reason)
		for _, s := range e.SchemaValidationErrors {
			fmt.Fprintf(&b, "\n    %s at %s", s.Reason, s.FieldPath)
		}
	}
	return b.String()
}

// TestOpenAPIDocumentCatchesDrift makes sure the check can fail: an
// answer the document does not describe is reported.
func TestOpenAPIDocumentCatchesDrift(t *testing.T) {
	t.Parallel()
	env := newSQLiteEndpoints(t, nil)
	rec := httptest.NewRecorder()
	env.e.Handler(nil).ServeHTTP(rec, httptest.NewRequest("GET", "/openapi.json", nil))
	doc, err := libopenapi.NewDocument(rec.Body.Bytes())
	require.NoError(t, err)
	v, errs := validator.NewValidator(doc)
	require.Empty(t, errs)
	req := httptest.NewRequest("GET", "/applications/acme", nil)
	for _, body := range []string{
		`{"id":"acme","name":"Acme"}`, // no created_at
		`{"id":"acme","name":"Acme","created_at":"2026-01-01T00:00:00Z","secret":"x"}`, // a field it does not have
	} {
		resp := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(body)), Request: req}
		ok, _ := v.ValidateHttpResponse(req, resp)
		assert.False(t, ok, body)
	}
	resp := &http.Response{StatusCode: 404, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(`{"code":"unknown_application","error":"durable: unknown application"}`)), Request: req}
	ok, _ := v.ValidateHttpResponse(req, resp)
	assert.False(t, ok, "the error shape before webhook.ErrorResponse")
}
