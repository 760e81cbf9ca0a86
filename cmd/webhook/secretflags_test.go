package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestSecretEnvRefusesValues passes secrets where -secret-env expects a
// variable's name, as -secret-env "$WEBHOOK_SECRET" does: every command
// refuses, says why, and never repeats the word.
func TestSecretEnvRefusesValues(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	tests := []struct {
		name  string
		value string
		code  int
		say   string
	}{
		{"whsec secret", secret, 2, "not a valid environment variable name"},
		{"raw secret with punctuation", "raw-secret-0123456789-abcdef", 2, "not a valid environment variable name"},
		{"leading digit", "0123456789abcdefABCDEF", 2, "not a valid environment variable name"},
		{"space inside", "correct horse battery staple", 2, "not a valid environment variable name"},
		{"over-long name", strings.Repeat("A", maxEnvName+1), 2, "not a valid environment variable name"},
		// A secret can be a valid name; unset, it is still not repeated.
		{"secret that looks like a name", "rawSecretThatLooksLikeAName_0123", 1, "the environment variable named by -secret-env is unset or empty"},
	}
	commands := [][]string{
		{"sign", "-data", "{}"},
		{"verify", "-signature", "t=1,s=00", "-data", "{}"},
		{"send", "-url", "http://127.0.0.1:1/", "-attempts", "1", "-data", "{}"},
		{"listen", "-addr", "127.0.0.1:0"},
	}
	for _, tc := range tests {
		for _, args := range commands {
			t.Run(tc.name+"/"+args[0], func(t *testing.T) {
				t.Parallel()
				r := webhookCmd(t, "", nil, append(args, "-secret-env", tc.value)...)
				assert.Equal(t, tc.code, r.code, r.output())
				assert.Contains(t, r.stderr, tc.say)
				assert.NotContains(t, r.output(), tc.value)
			})
		}
	}
}

func TestSecretEnvName(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"WEBHOOK_SECRET", "_x", "a1", "Z", strings.Repeat("A", maxEnvName)} {
		assert.True(t, validEnvName(name), name)
	}
	for _, name := range []string{"", "1A", "A-B", "A B", "A=B", "É", "whsec_AAAA=", strings.Repeat("A", maxEnvName+1)} {
		assert.False(t, validEnvName(name), name)
	}
}

// TestMisplacedSecretNeverPrinted gives a secret to flags that do not
// expect one, and puts secrets in URLs: the flag package's own messages
// would quote the value, the commands' messages must not.
func TestMisplacedSecretNeverPrinted(t *testing.T) {
	t.Parallel()
	secret := newSecret(t)
	const word = "rawSecretThatLooksLikeAName_0123"
	env := []string{"WH_SECRET=" + newSecret(t)}
	tests := []struct {
		name string
		code int
		args []string
	}{
		{"duration flag", 2, []string{"verify", "-secret-env", "WH_SECRET", "-signature", "t=1,s=00", "-tolerance", secret}},
		{"bool flag", 2, []string{"verify", "-secret-env", "WH_SECRET", "-signature", "t=1,s=00", "-no-tolerance=" + secret}},
		{"int flag", 2, []string{"send", "-url", "http://127.0.0.1:1/", "-secret-env", "WH_SECRET", "-attempts", word}},
		{"as a flag name", 2, []string{"sign", "-secret-env", "WH_SECRET", "-" + word}},
		{"as a flag with a value", 2, []string{"sign", "-" + word + "=" + secret}},
		{"data file", 1, []string{"sign", "-secret-env", "WH_SECRET", "-data-file", "/nonexistent/" + word}},
		{"timestamp", 2, []string{"sign", "-secret-env", "WH_SECRET", "-timestamp", word}},
		{"url credentials and query", 1, []string{"send", "-secret-env", "WH_SECRET", "-attempts", "1", "-data", "{}",
			"-url", "http://user:" + word + "@127.0.0.1:1/hook?token=" + word}},
		{"forward URL that does not parse", 2, []string{"listen", "-addr", "127.0.0.1:0", "-forward", "ftp://" + word}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			r := webhookCmd(t, "", env, tc.args...)
			assert.Equal(t, tc.code, r.code, r.output())
			assert.NotEmpty(t, r.stderr)
			assert.NotContains(t, r.output(), secret)
			assert.NotContains(t, r.output(), strings.TrimPrefix(secret, "whsec_"))
			assert.NotContains(t, r.output(), word)
		})
	}

	t.Run("forward URL credentials and query", func(t *testing.T) {
		t.Parallel()
		l := startListen(t, nil, "-forward", "http://user:"+word+"@127.0.0.1:1/hook?token="+word)
		l.waitFor(t, "Press Ctrl-C to stop.")
		l.stop(t)
		out := l.output()
		require.Contains(t, out, "Forwarding deliveries to http://127.0.0.1:1/hook (credentials and query not shown)")
		assert.NotContains(t, out, word)
	})
}
