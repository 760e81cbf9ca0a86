package portal_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
	"github.com/signedhooks/webhook/durable/portal"
)

// Example mounts the portal under /portal/ beside the provider's own
// pages, and signs a customer in with a link minted for their
// application: the link is exchanged for a session cookie and the
// customer lands on their endpoints.
func Example() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "portal")
	defer os.RemoveAll(dir)
	db, err := durable.OpenSQLite(filepath.Join(dir, "webhooks.db"))
	if err != nil {
		panic(err)
	}
	defer db.Close()
	backend := durable.SQLite(db)
	if err := endpoints.Migrate(ctx, backend); err != nil {
		panic(err)
	}
	rt, err := durable.NewRuntime(backend, nil)
	if err != nil {
		panic(err)
	}
	svc, err := endpoints.New(rt, nil)
	if err != nil {
		panic(err)
	}
	if _, err := svc.CreateApplication(ctx, "acme", "Acme"); err != nil {
		panic(err)
	}
	if _, _, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/webhooks"}); err != nil {
		panic(err)
	}

	p, err := portal.New(svc, &portal.Options{
		Key:   []byte("a secret of 32 bytes or more, from the provider's config"),
		Path:  "/portal/",
		Title: "Example Corp webhooks",
		EventTypes: []endpoints.EventType{
			{Name: "invoice.paid", Description: "An invoice was paid.", Example: json.RawMessage(`{"invoice":"in_1"}`)},
		},
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/portal/", p)
	srv := httptest.NewTLSServer(mux)
	defer srv.Close()

	// In the provider's settings page, for the signed-in customer of acme:
	link, err := p.URL("acme", 10*time.Minute)
	if err != nil {
		panic(err)
	}

	// The customer's browser follows the link.
	browser := srv.Client()
	browser.Jar, _ = cookiejar.New(nil)
	resp, err := browser.Get(srv.URL + link)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	fmt.Println(resp.StatusCode, resp.Request.URL.Path)
	fmt.Println(strings.Contains(string(page), "https://acme.example/webhooks"))
	// Output:
	// 200 /portal/endpoints
	// true
}
