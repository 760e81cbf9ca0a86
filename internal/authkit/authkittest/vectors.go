// Package authkittest loads the known-answer vectors that the scheme
// packages keep in their testdata directories.
package authkittest

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/signedhooks/webhook"
)

// Vector is one verification case: a request (headers and body) checked by a
// verifier built with Keys at time Now.
type Vector struct {
	Name    string              `json:"name"`
	Keys    []string            `json:"keys"`
	Now     int64               `json:"now"`
	Headers map[string][]string `json:"headers"`
	Body    string              `json:"body"`
	Want    string              `json:"want"`
	ID      string              `json:"id,omitempty"`
	Type    string              `json:"type,omitempty"`
}

// Clock returns a clock fixed at v.Now.
func (v Vector) Clock() func() time.Time {
	t := time.Unix(v.Now, 0)
	return func() time.Time { return t }
}

// WantErr maps Want to the sentinel error the verifier must return, or nil.
func (v Vector) WantErr(t testing.TB) error {
	switch v.Want {
	case "ok":
		return nil
	case "missing":
		return webhook.ErrMissingSignature
	case "invalid":
		return webhook.ErrInvalidHeader
	case "nomatch":
		return webhook.ErrNoMatchingSignature
	case "old":
		return webhook.ErrTimestampTooOld
	case "new":
		return webhook.ErrTimestampTooNew
	}
	t.Fatalf("vector %q: unknown want %q", v.Name, v.Want)
	return nil
}

// Load decodes the JSON file at path into dst.
func Load(t testing.TB, path string, dst any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, dst); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}
