// Command reencrypt seals every endpoint secret of a database under the
// newest key of the key ring in WEBHOOK_SECRET_KEYS ("whkey_<new>,
// whkey_<old>", newest first): the step between deploying a new key first
// in the ring and dropping the old one, and the step that encrypts the
// plaintext secrets of releases before key rings. It is safe while the
// service delivers, and idempotent.
//
//	WEBHOOK_SECRET_KEYS=... go run ./examples/reencrypt -sqlite webhooks.db
//	WEBHOOK_SECRET_KEYS=... DATABASE_URL=postgres://... go run ./examples/reencrypt
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/signedhooks/webhook/durable"
	"github.com/signedhooks/webhook/durable/endpoints"
)

func main() {
	sqlitePath := flag.String("sqlite", "", "SQLite database file (default: PostgreSQL at DATABASE_URL)")
	flag.Parse()
	if err := run(*sqlitePath); err != nil {
		log.Fatal(err)
	}
}

func run(sqlitePath string) error {
	ctx := context.Background()
	keys, err := endpoints.KeyRingFromEnv("WEBHOOK_SECRET_KEYS")
	if err != nil {
		return err
	}
	opts := &endpoints.Options{SecretKeys: keys, EnqueueOnly: true}
	var n int
	if sqlitePath != "" {
		db, err := durable.OpenSQLite(sqlitePath)
		if err != nil {
			return err
		}
		defer db.Close()
		n, err = reencrypt(ctx, durable.SQLite(db), opts)
		if err != nil {
			return err
		}
	} else {
		pool, err := pgxpool.New(ctx, os.Getenv("DATABASE_URL"))
		if err != nil {
			return err
		}
		defer pool.Close()
		n, err = reencrypt(ctx, durable.Postgres(pool), opts)
		if err != nil {
			return err
		}
	}
	fmt.Printf("re-encrypted %d secrets under key %s\n", n, keys.KeyIDs()[0])
	return nil
}

func reencrypt[TTx any](ctx context.Context, b durable.Backend[TTx], opts *endpoints.Options) (int, error) {
	if err := endpoints.Migrate(ctx, b); err != nil {
		return 0, err
	}
	rt, err := durable.NewRuntime(b, nil)
	if err != nil {
		return 0, err
	}
	e, err := endpoints.New(rt, opts) // refuses keys that cannot read the database
	if err != nil {
		return 0, err
	}
	return e.ReencryptSecrets(ctx)
}
