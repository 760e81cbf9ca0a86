package relay

import (
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeExample checks that the README's Relay section shows the
// example file as it is, and that the file is a valid configuration.
func TestReadmeExample(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	text := string(readme)
	start := strings.Index(text, "## Relay:")
	require.GreaterOrEqual(t, start, 0, "the README has no Relay section")
	section := text[start:]
	if end := strings.Index(section[3:], "\n## "); end >= 0 {
		section = section[:end+3]
	}
	m := regexp.MustCompile("(?s)```yaml\n# relay/example/relay.yaml\n(.*?)```").FindStringSubmatch(section)
	require.NotNil(t, m, "the Relay section shows no relay/example/relay.yaml")
	file, err := os.ReadFile("example/relay.yaml")
	require.NoError(t, err)
	assert.Equal(t, string(file), m[1], "the README and relay/example/relay.yaml differ")

	env := map[string]string{
		"STRIPE_WEBHOOK_SECRET": "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM",
		"GITHUB_WEBHOOK_SECRET": "github-secret-text-123",
		"BILLING_SECRET":        "whsec_YmlsbGluZy1zZWNyZXQtMTIzNDU2",
		"CI_SECRET":             "whsec_Y2ktc2VjcmV0LTEyMzQ1Njc4OTA",
	}
	cfg, err := ParseConfig(file, &ConfigOptions{Filename: "relay.yaml", LookupEnv: func(k string) (string, bool) {
		v, ok := env[k]
		return v, ok
	}})
	require.NoError(t, err)
	assert.Len(t, cfg.Sources, 2)
	assert.Len(t, cfg.Destinations, 2)
	assert.Equal(t, []string{"ci"}, cfg.plan("github", "push", []byte(`{"ref":"refs/heads/main"}`)).Destinations)
	assert.Equal(t, []string{"billing"}, cfg.plan("stripe", "invoice.paid", []byte(`{}`)).Destinations)
	assert.Contains(t, section, "relay: relay.yaml:6: sources[0].scheme: invalid value: scheme \"paypal\"",
		"the README's error example is TestConfigErrorText's")
}
