package endpoints_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

// ExampleEndpoints_ReencryptSecrets rotates the key ring that encrypts
// endpoint secrets at rest: the new key goes first with the old one kept,
// ReencryptSecrets seals every secret under the new key, and then the old
// key may go. In production the ring comes from the provider's secret
// store, for example with endpoints.KeyRingFromEnv("WEBHOOK_SECRET_KEYS")
// and WEBHOOK_SECRET_KEYS="whkey_<new>,whkey_<old>".
func ExampleService_ReencryptSecrets() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "keyring")
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
	// open builds this process's Endpoints with the keys given, as a
	// deploy would.
	open := func(keys string) (*endpoints.Service[*sql.Tx], error) {
		ring, err := endpoints.ParseKeyRing(keys)
		if err != nil {
			return nil, err
		}
		rt, err := durable.NewRuntime(backend, nil)
		if err != nil {
			return nil, err
		}
		return endpoints.New(rt, &endpoints.Options{SecretKeys: ring})
	}

	oldKey, _ := endpoints.NewSecretKey()
	svc, err := open(oldKey)
	if err != nil {
		panic(err)
	}
	if _, err := svc.CreateApplication(ctx, "acme", "Acme"); err != nil {
		panic(err)
	}
	if _, _, err := svc.CreateEndpoint(ctx, "acme", endpoints.Input{URL: "https://acme.example/hooks"}); err != nil {
		panic(err)
	}

	newKey, _ := endpoints.NewSecretKey()
	_, err = open(newKey)
	fmt.Println("new key alone, before re-encrypting:", errors.Is(err, endpoints.ErrSecretKeys))
	svc, err = open(newKey + "," + oldKey)
	if err != nil {
		panic(err)
	}
	n, err := svc.ReencryptSecrets(ctx)
	fmt.Println("re-encrypted:", n, err)
	_, err = open(newKey)
	fmt.Println("new key alone, after:", err)
	_, err = open(oldKey)
	fmt.Println("old key alone, after:", errors.Is(err, endpoints.ErrSecretKeys))
	// Output:
	// new key alone, before re-encrypting: true
	// re-encrypted: 1 <nil>
	// new key alone, after: <nil>
	// old key alone, after: true
}

// ExampleKeyRingFromEnv configures endpoint secrets at rest from an
// environment variable holding the keys, newest first, as NewSecretKey
// prints them.
func ExampleKeyRingFromEnv() {
	newKey, _ := endpoints.NewSecretKey()
	oldKey, _ := endpoints.NewSecretKey()
	os.Setenv("WEBHOOK_SECRET_KEYS", newKey+","+oldKey) // set by the deployment, not in code
	defer os.Unsetenv("WEBHOOK_SECRET_KEYS")

	keys, err := endpoints.KeyRingFromEnv("WEBHOOK_SECRET_KEYS")
	if err != nil {
		panic(err) // the error names the variable, never a key
	}
	opts := &endpoints.Options{SecretKeys: keys}
	fmt.Println("keys:", len(opts.SecretKeys.KeyIDs()))

	_, err = endpoints.ParseKeyRing("whkey_tooshort")
	fmt.Println(errors.Is(err, endpoints.ErrInvalidSecretKeys))
	// Output:
	// keys: 2
	// true
}
