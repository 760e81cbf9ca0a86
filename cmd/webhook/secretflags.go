package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

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

// load returns the secret, decoded as this module's scheme reads it. Its
// errors never contain the secret.
func (s *secretFlags) load(fs *flag.FlagSet) ([]byte, error) {
	v, err := s.loadText(fs)
	if err != nil {
		return nil, err
	}
	key, err := webhook.ParseSecret(v)
	if err != nil && isSet(fs, "secret-env") {
		return nil, fmt.Errorf("%w (from environment variable %s)", err, s.env)
	}
	return key, err // the sentinel's text: never the value
}

// loadText returns the secret as given. Its errors never contain the
// secret, nor the word given to -secret-env unless it names a variable
// that is set: an easy slip is -secret-env "$WEBHOOK_SECRET", which passes
// the secret itself where its variable's name was expected.
func (s *secretFlags) loadText(fs *flag.FlagSet) (string, error) {
	switch {
	case isSet(fs, "secret") && isSet(fs, "secret-env"):
		return "", usagef("-secret and -secret-env are mutually exclusive")
	case isSet(fs, "secret-env"):
		if s.env == "" {
			return "", usagef("-secret-env needs the name of an environment variable")
		}
		if !validEnvName(s.env) {
			return "", usagef("-secret-env: not a valid environment variable name (give the variable's name, such as WEBHOOK_SECRET, not its value)")
		}
		v, ok := os.LookupEnv(s.env)
		if !ok || strings.TrimSpace(v) == "" {
			// A secret can look like a name: do not repeat it.
			return "", fmt.Errorf("%w: the environment variable named by -secret-env is unset or empty (give the variable's name, not its value)", webhook.ErrSecretNotSet)
		}
		return v, nil
	case isSet(fs, "secret"):
		return s.value, nil
	}
	return "", usagef("a secret is required: -secret-env VAR (or -secret)")
}

// maxEnvName bounds the name -secret-env accepts; real names are short.
const maxEnvName = 256

// validEnvName reports whether name is a portable environment variable
// name: [A-Za-z_][A-Za-z0-9_]*.
func validEnvName(name string) bool {
	if name == "" || len(name) > maxEnvName {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
