package relay

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const goodConfig = `database: relay.db
listen: 127.0.0.1:8788
sources:
  - name: stripe
    path: /in/stripe
    scheme: stripe
    secret_env: STRIPE_WEBHOOK_SECRET
  - name: gh
    path: /in/github
    scheme: github
    secret_file: /secrets/github
destinations:
  - name: billing
    url: http://127.0.0.1:9001/hooks
    secret_env: BILLING_SECRET
    allow_private_network: true
routes:
  - source: stripe
    types: ["invoice.*", "customer.created"]
    when:
      - {field: data.object.status, equals: paid}
    to: [billing]
`

var testEnv = map[string]string{
	"STRIPE_WEBHOOK_SECRET": "whsec_c3RyaXBlLXNlY3JldC1mb3ItdGVzdHM",
	"BILLING_SECRET":        "whsec_YmlsbGluZy1zZWNyZXQtMTIzNDU2",
	"SHORT":                 "tiny-secret",
}

func testOptions() *ConfigOptions {
	return &ConfigOptions{
		Filename: "relay.yaml",
		LookupEnv: func(k string) (string, bool) {
			v, ok := testEnv[k]
			return v, ok
		},
		ReadFile: func(name string) ([]byte, error) {
			if name == "/secrets/github" {
				return []byte("github-secret-text\n"), nil
			}
			return nil, os.ErrNotExist
		},
	}
}

func TestParseConfig(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(goodConfig), testOptions())
	require.NoError(t, err)
	assert.Equal(t, "relay.db", cfg.Database)
	require.Len(t, cfg.Sources, 2)
	assert.Equal(t, "github-secret-text", *cfg.Sources[1].secret)
	for _, verb := range []string{"%v", "%+v", "%#v"} {
		printed := fmt.Sprintf(verb, cfg)
		for _, s := range append(mapValues(testEnv), "github-secret-text") {
			assert.NotContains(t, printed, s, "%s shows a secret", verb)
		}
	}
	assert.Equal(t, []string{"invoice.*", "customer.created"}, cfg.Routes[0].Types)
	require.Len(t, cfg.Routes[0].When, 1)
	assert.Equal(t, "paid", *cfg.Routes[0].When[0].Equals)
	assert.True(t, cfg.Destinations[0].AllowPrivateNetwork)
}

func TestParseConfigErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		old, new string // replaced in goodConfig
		wantErr  error
		wantKey  string
		wantLine int
	}{
		{"bad key", "    scheme: stripe\n", "    scheme: stripe\n    secrte_env: X\n", ErrUnknownKey, "sources[0].secrte_env", 7},
		{"bad top-level key", "listen:", "listne:", ErrUnknownKey, "listne", 2},
		{"missing secret env", "secret_env: BILLING_SECRET", "secret_env: NOT_SET", ErrMissingSecret, "destinations[0].secret_env", 15},
		{"missing secret file", "secret_file: /secrets/github", "secret_file: /secrets/none", ErrMissingSecret, "sources[1].secret_file", 11},
		{"no secret", "    secret_env: STRIPE_WEBHOOK_SECRET\n", "", ErrMissingKey, "sources[0].secret_env", 4},
		{"both secrets", "    secret_env: STRIPE_WEBHOOK_SECRET\n", "    secret_env: STRIPE_WEBHOOK_SECRET\n    secret_file: /x\n", ErrInvalidValue, "sources[0].secret_file", 8},
		{"short destination secret", "secret_env: BILLING_SECRET", "secret_env: SHORT", ErrInvalidValue, "destinations[0].secret_env", 15},
		{"bad scheme", "scheme: stripe", "scheme: paypal", ErrInvalidValue, "sources[0].scheme", 6},
		{"unknown route source", "  - source: stripe", "  - source: shopify", ErrInvalidValue, "routes[0].source", 18},
		{"unknown destination", "to: [billing]", "to: [billing, ledger]", ErrInvalidValue, "routes[0].to[1]", 22},
		{"bad type pattern", `"invoice.*"`, `"invoice*"`, ErrInvalidValue, "routes[0].types[0]", 19},
		{"condition without test", "{field: data.object.status, equals: paid}", "{field: data.object.status}", ErrInvalidValue, "routes[0].when[0]", 21},
		{"condition with a query", "field: data.object.status", "field: data.#(x>1)", ErrInvalidValue, "routes[0].when[0].field", 21},
		{"bad url", "url: http://127.0.0.1:9001/hooks", "url: ftp://x", ErrInvalidValue, "destinations[0].url", 14},
		{"localhost allowed privately", "url: http://127.0.0.1:9001/hooks", "url: http://localhost:9001/hooks", ErrInvalidValue, "destinations[0].url", 14},
		{"duplicate source name", "name: gh", "name: stripe", ErrInvalidValue, "sources[1].name", 8},
		{"duplicate path", "path: /in/github", "path: /in/stripe", ErrInvalidValue, "sources[1].path", 9},
		{"no routes", goodConfig[strings.Index(goodConfig, "routes:"):], "", ErrMissingKey, "routes", 1},
		{"syntax", "    path: /in/stripe\n", "    path: [/in/stripe\n", ErrInvalidValue, "", 4}, // the line the YAML parser names
		{"bad bool", "allow_private_network: true", "allow_private_network: maybe", ErrInvalidValue, "destinations[0].allow_private_network", 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			text := strings.Replace(goodConfig, tc.old, tc.new, 1)
			require.NotEqual(t, goodConfig, text, "the case changes nothing")
			_, err := ParseConfig([]byte(text), testOptions())
			require.ErrorIs(t, err, tc.wantErr)
			var ce *ConfigError
			require.True(t, errors.As(err, &ce), "%v", err)
			assert.Equal(t, tc.wantKey, ce.Key)
			if tc.wantLine != 0 {
				assert.Equal(t, tc.wantLine, ce.Line, "%v", err)
			}
			for _, s := range testEnv {
				assert.NotContains(t, err.Error(), s, "the error shows a secret")
			}
		})
	}
}

func TestConfigErrorText(t *testing.T) {
	t.Parallel()
	text := strings.Replace(goodConfig, "scheme: stripe", "scheme: paypal", 1)
	_, err := ParseConfig([]byte(text), testOptions())
	require.Error(t, err)
	assert.Equal(t, `relay: relay.yaml:6: sources[0].scheme: invalid value: scheme "paypal": want one of native, standard, stripe, github, auto`, err.Error())
}

func TestRouteMatching(t *testing.T) {
	t.Parallel()
	cfg, err := ParseConfig([]byte(goodConfig), testOptions())
	require.NoError(t, err)
	tests := []struct {
		name, source, typ, body string
		want                    []string
	}{
		{"prefix and condition", "stripe", "invoice.paid", `{"data":{"object":{"status":"paid"}}}`, []string{"billing"}},
		{"prefix needs more than the prefix", "stripe", "invoice", `{"data":{"object":{"status":"paid"}}}`, []string{}},
		{"exact", "stripe", "customer.created", `{"data":{"object":{"status":"paid"}}}`, []string{"billing"}},
		{"condition fails", "stripe", "invoice.paid", `{"data":{"object":{"status":"open"}}}`, []string{}},
		{"condition on a missing field", "stripe", "invoice.paid", `{}`, []string{}},
		{"other type", "stripe", "charge.refunded", `{"data":{"object":{"status":"paid"}}}`, []string{}},
		{"other source", "gh", "invoice.paid", `{"data":{"object":{"status":"paid"}}}`, []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, cfg.plan(tc.source, tc.typ, []byte(tc.body)).Destinations)
		})
	}
}

func TestConditions(t *testing.T) {
	t.Parallel()
	str := func(s string) *string { return &s }
	yes, no := true, false
	body := []byte(`{"a":{"s":"vip-1","n":42,"b":true,"list":[{"id":"x"}]}}`)
	tests := []struct {
		name string
		c    Condition
		want bool
	}{
		{"equals string", Condition{Field: "a.s", Equals: str("vip-1")}, true},
		{"equals number", Condition{Field: "a.n", Equals: str("42")}, true},
		{"equals bool", Condition{Field: "a.b", Equals: str("true")}, true},
		{"equals differs", Condition{Field: "a.s", Equals: str("vip")}, false},
		{"prefix", Condition{Field: "a.s", Prefix: str("vip")}, true},
		{"prefix on a number", Condition{Field: "a.n", Prefix: str("4")}, false},
		{"array index", Condition{Field: "a.list.0.id", Equals: str("x")}, true},
		{"exists", Condition{Field: "a.s", Exists: &yes}, true},
		{"absent", Condition{Field: "a.zz", Exists: &no}, true},
		{"exists fails", Condition{Field: "a.zz", Exists: &yes}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tc.want, tc.c.holds(body))
		})
	}
}

func mapValues(m map[string]string) []string {
	var out []string
	for _, v := range m {
		out = append(out, v)
	}
	return out
}
