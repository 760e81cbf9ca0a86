package main

import (
	"flag"

	"github.com/signedhooks/webhook"
)

// secretFlags are the two ways to give a secret. -secret-env is the
// documented one: a value on the command line is visible to every local user
// in the process list and stays in shell history.
type secretFlags struct {
	value, env string
}

func (s *secretFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.env, "secret-env", "", "`name` of the environment variable holding the secret (whsec_<base64> or raw)")
	fs.StringVar(&s.value, "secret", "", "the secret itself; visible to other users in the process list, prefer -secret-env")
}

func (s *secretFlags) given(fs *flag.FlagSet) bool {
	return isSet(fs, "secret") || isSet(fs, "secret-env")
}

// load returns the secret. Its errors never contain the secret.
func (s *secretFlags) load(fs *flag.FlagSet) ([]byte, error) {
	switch {
	case isSet(fs, "secret") && isSet(fs, "secret-env"):
		return nil, usagef("-secret and -secret-env are mutually exclusive")
	case isSet(fs, "secret-env"):
		if s.env == "" {
			return nil, usagef("-secret-env needs the name of an environment variable")
		}
		return webhook.SecretFromEnv(s.env)
	case isSet(fs, "secret"):
		key, err := webhook.ParseSecret(s.value)
		if err != nil {
			return nil, err // the sentinel's text: never the value
		}
		return key, nil
	}
	return nil, usagef("a secret is required: -secret-env VAR (or -secret)")
}
