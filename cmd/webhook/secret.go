package main

import (
	"fmt"

	"github.com/signedhooks/webhook"
)

func runSecret(e *env, args []string) error {
	fs := newFlags(e, "secret", "",
		"Secret prints a new random 32-byte secret in the whsec_<base64> form. Keep it\nin an environment variable and pass its name with -secret-env:\n\n  export WEBHOOK_SECRET=$(webhook secret)")
	if err := parse(fs, args); err != nil {
		return err
	}
	key, err := webhook.NewSecret()
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(e.stdout, webhook.FormatSecret(key))
	return err
}
