package relay

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Config is a relay's configuration, as read by [ParseConfig] from YAML:
//
//	database: relay.db              # SQLite file (the default) or a postgres:// URL
//	listen: 127.0.0.1:8788          # where providers deliver
//	admin_listen: 127.0.0.1:8789    # status page and JSON API; empty: none
//	sources:
//	  - name: stripe
//	    path: /in/stripe
//	    scheme: stripe              # native | standard | stripe | github | auto
//	    secret_env: STRIPE_WEBHOOK_SECRET
//	destinations:
//	  - name: billing
//	    url: http://127.0.0.1:9001/hooks
//	    secret_env: BILLING_SECRET  # deliveries re-signed with the native scheme
//	    allow_private_network: true
//	routes:
//	  - source: stripe
//	    types: ["invoice.*", "customer.created"]   # empty: every type
//	    when: [{field: data.object.livemode, equals: "true"}]
//	    to: [billing]
//
// Secrets come from environment variables (secret_env) or files
// (secret_file), never from the text. A Config holds the secrets it
// resolved behind unexported pointers; printing it with fmt shows none.
type Config struct {
	// Database is a SQLite file path or a postgres:// (postgresql://) URL.
	// Default: "relay.db".
	Database string
	// Listen is the address providers deliver to. Default: "127.0.0.1:8788".
	Listen string
	// AdminListen is the address of the status page and the JSON API, or
	// "" for none. Keep it on a private interface: the API can replay.
	AdminListen string
	// Sources are the providers' entry points, at least one.
	Sources []Source
	// Destinations are the internal services, at least one.
	Destinations []Destination
	// Routes send a source's events to destinations, at least one.
	Routes []Route
	// Delivery tunes retries and the durable runtime.
	Delivery Delivery
}

// Source is one provider's entry point.
type Source struct {
	// Name is 1 to 32 lower-case letters, digits, '_' and '-', unique.
	Name string
	// Path is the URL path the provider posts to, unique.
	Path string
	// Scheme is the provider's signature scheme: "native" (this module's),
	// "standard" (Standard Webhooks), "stripe", "github", or "auto", which
	// picks one of them per request from the signature header present.
	Scheme string
	// SecretEnv and SecretFile name where the secret is: an environment
	// variable or a file (trailing white space ignored). Exactly one is set.
	SecretEnv, SecretFile string
	// Tolerance is how far a signed timestamp may lie from now. Default:
	// 5 minutes (GitHub signs none).
	Tolerance time.Duration

	secret *string // behind a pointer, which fmt prints as an address
	line   int
}

// Destination is one internal service. Every delivery to it is signed with
// the native scheme and its secret, in the Sender's envelope
// {"id": ..., "event": ..., "data": <the provider's body>}.
type Destination struct {
	// Name is 1 to 32 lower-case letters, digits, '_' and '-', unique.
	Name string
	// URL is the absolute http or https URL deliveries are posted to.
	URL string
	// SecretEnv and SecretFile name where the signing secret is (a
	// "whsec_" secret or at least 16 bytes of text). Exactly one is set.
	SecretEnv, SecretFile string
	// AllowPrivateNetwork lets deliveries reach this destination on a
	// loopback or private address: the addresses its host has when the
	// relay starts are exempted from the guard against server-side request
	// forgery, which stays on for every other address. Its host must then
	// be an IP address or a name outside "localhost" and ".internal".
	AllowPrivateNetwork bool
	// RateLimit caps attempts per second (per relay process), in bursts of
	// up to Burst. 0: no limit.
	RateLimit float64
	Burst     int

	secret *[]byte // behind a pointer, which fmt prints as an address
	line   int
}

// Route sends the events of one source that match Types and When to the
// destinations named in To.
type Route struct {
	// Source names a source.
	Source string
	// Types lists event types ("invoice.paid") and prefixes ("invoice.*");
	// empty (or "*") matches every type.
	Types []string
	// When lists conditions on the JSON body, all of which must hold.
	When []Condition
	// To names one or more destinations.
	To []string

	line int
}

// Condition tests one field of the JSON body, named by a dotted path
// ("data.object.status"; a number selects an array element). Exactly one
// of Equals, Prefix and Exists is set.
type Condition struct {
	// Field is the dotted path.
	Field string
	// Equals holds when the field's value, as text (a string's contents, a
	// number or true/false as written), is this.
	Equals *string
	// Prefix holds when the field is a string that starts with this.
	Prefix *string
	// Exists holds when the field is present (true) or absent (false).
	Exists *bool
}

// Delivery tunes retries and the durable runtime. The zero value gives the
// defaults.
type Delivery struct {
	// Attempts per delivery, the first included. Default: 8.
	Attempts int
	// InitialDelay is the largest wait after the first failed attempt; it
	// doubles after each one up to MaxDelay. Defaults: 5 s and 1 h.
	InitialDelay, MaxDelay time.Duration
	// AttemptTimeout bounds one request. Default: 30 s.
	AttemptTimeout time.Duration
	// JobTimeout bounds one routing run; RescueAfter is how long a job may
	// look running before another process takes it for a crashed one's.
	// Defaults: durable's (45 s, and twice the longest job timeout).
	JobTimeout, RescueAfter time.Duration
	// PollInterval is the longest time between two fetches of new work
	// when nothing signals it (SQLite polls). Default: 50 ms.
	PollInterval time.Duration
	// BreakerThreshold failed attempts in a row to a destination open its
	// circuit breaker: its deliveries then wait without spending attempts,
	// with one probe after BreakerCooldown, doubling up to
	// BreakerMaxCooldown. Defaults: durable's (5, 1 minute, 1 hour).
	BreakerThreshold                    int
	BreakerCooldown, BreakerMaxCooldown time.Duration
}

// ConfigOptions configures [ParseConfig]. The zero value gives the
// defaults; nil is the same as the zero value.
type ConfigOptions struct {
	// Filename names the file in errors. Default: "config".
	Filename string
	// LookupEnv reads secret_env variables. Default: os.LookupEnv.
	LookupEnv func(string) (string, bool)
	// ReadFile reads secret_file files. Default: os.ReadFile.
	ReadFile func(string) ([]byte, error)
}

// maxConfigBytes bounds a configuration file.
const maxConfigBytes = 1 << 20

// ParseConfig reads a YAML configuration, resolves its secrets and checks
// it whole: every key known, every required key present, every value
// valid, every secret present and usable by its scheme. A failure is a
// [*ConfigError] naming the key and its line.
func ParseConfig(data []byte, opts *ConfigOptions) (*Config, error) {
	var o ConfigOptions
	if opts != nil {
		o = *opts
	}
	if o.LookupEnv == nil {
		o.LookupEnv = os.LookupEnv
	}
	if o.ReadFile == nil {
		o.ReadFile = os.ReadFile
	}
	p := &parser{opts: o}
	if len(data) > maxConfigBytes {
		return nil, p.errAt(1, "", fmt.Errorf("%w: the file is over %d bytes", ErrInvalidValue, maxConfigBytes))
	}
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		return nil, p.errAt(yamlErrLine(err), "", fmt.Errorf("%w: %v", ErrInvalidValue, err))
	}
	if len(doc.Content) != 1 {
		return nil, p.errAt(1, "", fmt.Errorf("%w: want one YAML document", ErrInvalidValue))
	}
	cfg := &Config{Database: "relay.db", Listen: "127.0.0.1:8788"}
	if err := p.config(doc.Content[0], cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

type parser struct{ opts ConfigOptions }

func (p *parser) errAt(line int, key string, err error) *ConfigError {
	return &ConfigError{File: p.opts.Filename, Line: line, Key: key, Err: err}
}

// yamlErrLine finds the line in a YAML syntax error ("yaml: line 3: ...").
func yamlErrLine(err error) int {
	s := err.Error()
	if i := strings.Index(s, "line "); i >= 0 {
		j := i + 5
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		if n, err := strconv.Atoi(s[i+5 : j]); err == nil {
			return n
		}
	}
	return 1
}

// field is one key of a mapping and its value.
type field struct {
	key, value *yaml.Node
}

// mapping returns the keys of n, a mapping at path, refusing keys not in
// known and repeated keys.
func (p *parser) mapping(n *yaml.Node, path string, known ...string) (map[string]field, error) {
	if n.Kind != yaml.MappingNode {
		return nil, p.errAt(n.Line, path, fmt.Errorf("%w: want a mapping", ErrInvalidValue))
	}
	out := make(map[string]field, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		name := join(path, k.Value)
		if !contains(known, k.Value) {
			return nil, p.errAt(k.Line, name, fmt.Errorf("%w (known keys: %s)", ErrUnknownKey, strings.Join(known, ", ")))
		}
		if _, dup := out[k.Value]; dup {
			return nil, p.errAt(k.Line, name, fmt.Errorf("%w: the key is repeated", ErrInvalidValue))
		}
		out[k.Value] = field{k, v}
	}
	return out, nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *parser) str(m map[string]field, path, key string, dst *string) error {
	f, ok := m[key]
	if !ok {
		return nil
	}
	if f.value.Kind != yaml.ScalarNode || f.value.Tag == "!!null" {
		return p.errAt(f.key.Line, join(path, key), fmt.Errorf("%w: want a string", ErrInvalidValue))
	}
	*dst = f.value.Value
	return nil
}

func (p *parser) required(m map[string]field, n *yaml.Node, path, key string, dst *string) error {
	if err := p.str(m, path, key, dst); err != nil {
		return err
	}
	if *dst == "" {
		line := n.Line
		if f, ok := m[key]; ok {
			line = f.key.Line
		}
		return p.errAt(line, join(path, key), ErrMissingKey)
	}
	return nil
}

func (p *parser) duration(m map[string]field, path, key string, dst *time.Duration) error {
	var s string
	if err := p.str(m, path, key, &s); err != nil || s == "" {
		return err
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > 30*24*time.Hour {
		return p.errAt(m[key].key.Line, join(path, key), fmt.Errorf("%w: want a positive duration such as 30s or 5m", ErrInvalidValue))
	}
	*dst = d
	return nil
}

func (p *parser) number(m map[string]field, path, key string, lo, hi float64, dst *float64) error {
	var s string
	if err := p.str(m, path, key, &s); err != nil || s == "" {
		return err
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || !(v >= lo && v <= hi) {
		return p.errAt(m[key].key.Line, join(path, key), fmt.Errorf("%w: want a number from %g to %g", ErrInvalidValue, lo, hi))
	}
	*dst = v
	return nil
}

func (p *parser) integer(m map[string]field, path, key string, lo, hi int, dst *int) error {
	var v float64
	if err := p.number(m, path, key, float64(lo), float64(hi), &v); err != nil {
		return err
	}
	if v != float64(int(v)) {
		return p.errAt(m[key].key.Line, join(path, key), fmt.Errorf("%w: want a whole number", ErrInvalidValue))
	}
	*dst = int(v)
	return nil
}

func (p *parser) boolean(m map[string]field, path, key string, dst *bool) error {
	f, ok := m[key]
	if !ok {
		return nil
	}
	if f.value.Kind != yaml.ScalarNode || f.value.Decode(dst) != nil {
		return p.errAt(f.key.Line, join(path, key), fmt.Errorf("%w: want true or false", ErrInvalidValue))
	}
	return nil
}

// list returns the items of the sequence at key (none when absent).
func (p *parser) list(m map[string]field, path, key string) ([]*yaml.Node, error) {
	f, ok := m[key]
	if !ok || f.value.Tag == "!!null" {
		return nil, nil
	}
	if f.value.Kind != yaml.SequenceNode {
		return nil, p.errAt(f.key.Line, join(path, key), fmt.Errorf("%w: want a list", ErrInvalidValue))
	}
	if len(f.value.Content) > 1000 {
		return nil, p.errAt(f.key.Line, join(path, key), fmt.Errorf("%w: at most 1000 entries", ErrInvalidValue))
	}
	return f.value.Content, nil
}

func (p *parser) strings(m map[string]field, path, key string) ([]string, []int, error) {
	items, err := p.list(m, path, key)
	if err != nil {
		return nil, nil, err
	}
	out, lines := make([]string, 0, len(items)), make([]int, 0, len(items))
	for i, it := range items {
		if it.Kind != yaml.ScalarNode || it.Value == "" {
			return nil, nil, p.errAt(it.Line, fmt.Sprintf("%s[%d]", join(path, key), i), fmt.Errorf("%w: want a non-empty string", ErrInvalidValue))
		}
		out, lines = append(out, it.Value), append(lines, it.Line)
	}
	return out, lines, nil
}

func (p *parser) config(n *yaml.Node, cfg *Config) error {
	m, err := p.mapping(n, "", "database", "listen", "admin_listen", "sources", "destinations", "routes", "delivery")
	if err != nil {
		return err
	}
	for _, k := range []struct {
		key string
		dst *string
	}{{"database", &cfg.Database}, {"listen", &cfg.Listen}, {"admin_listen", &cfg.AdminListen}} {
		if err := p.str(m, "", k.key, k.dst); err != nil {
			return err
		}
	}
	if f, ok := m["database"]; ok && cfg.Database == "" {
		return p.errAt(f.key.Line, "database", ErrMissingKey)
	}
	if f, ok := m["listen"]; ok && cfg.Listen == "" {
		return p.errAt(f.key.Line, "listen", ErrMissingKey)
	}
	if f, ok := m["delivery"]; ok {
		if err := p.delivery(f.value, &cfg.Delivery); err != nil {
			return err
		}
	}
	for _, part := range []struct {
		key  string
		each func(*yaml.Node, string) error
	}{
		{"sources", func(it *yaml.Node, path string) error { return p.source(it, path, cfg) }},
		{"destinations", func(it *yaml.Node, path string) error { return p.destination(it, path, cfg) }},
		{"routes", func(it *yaml.Node, path string) error { return p.route(it, path, cfg) }},
	} {
		items, err := p.list(m, "", part.key)
		if err != nil {
			return err
		}
		if len(items) == 0 {
			line := n.Line
			if f, ok := m[part.key]; ok {
				line = f.key.Line
			}
			return p.errAt(line, part.key, fmt.Errorf("%w: want at least one entry", ErrMissingKey))
		}
		for i, it := range items {
			if err := part.each(it, fmt.Sprintf("%s[%d]", part.key, i)); err != nil {
				return err
			}
		}
	}
	return nil
}

func (p *parser) delivery(n *yaml.Node, d *Delivery) error {
	const path = "delivery"
	m, err := p.mapping(n, path, "attempts", "initial_delay", "max_delay", "attempt_timeout", "job_timeout", "rescue_after", "poll_interval",
		"breaker_threshold", "breaker_cooldown", "breaker_max_cooldown")
	if err != nil {
		return err
	}
	if err := p.integer(m, path, "attempts", 1, 100, &d.Attempts); err != nil {
		return err
	}
	if err := p.integer(m, path, "breaker_threshold", 1, 1000, &d.BreakerThreshold); err != nil {
		return err
	}
	for _, k := range []struct {
		key string
		dst *time.Duration
	}{{"initial_delay", &d.InitialDelay}, {"max_delay", &d.MaxDelay}, {"attempt_timeout", &d.AttemptTimeout},
		{"job_timeout", &d.JobTimeout}, {"rescue_after", &d.RescueAfter}, {"poll_interval", &d.PollInterval},
		{"breaker_cooldown", &d.BreakerCooldown}, {"breaker_max_cooldown", &d.BreakerMaxCooldown}} {
		if err := p.duration(m, path, k.key, k.dst); err != nil {
			return err
		}
	}
	return nil
}

// checkName accepts 1 to 32 lower-case letters, digits, '_' and '-'.
func checkName(s string) bool {
	if s == "" || len(s) > 32 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (p *parser) name(m map[string]field, n *yaml.Node, path string, dst *string, taken func(string) bool) error {
	if err := p.required(m, n, path, "name", dst); err != nil {
		return err
	}
	line := m["name"].key.Line
	if !checkName(*dst) {
		return p.errAt(line, path+".name", fmt.Errorf("%w: want 1 to 32 lower-case letters, digits, '_' and '-'", ErrInvalidValue))
	}
	if taken(*dst) {
		return p.errAt(line, path+".name", fmt.Errorf("%w: the name %q is taken", ErrInvalidValue, *dst))
	}
	return nil
}

// secret resolves secret_env or secret_file; it returns the line and key
// of the one set, for errors about the secret's value.
func (p *parser) secret(m map[string]field, n *yaml.Node, path string, env, file *string) (string, int, string, error) {
	if err := p.str(m, path, "secret_env", env); err != nil {
		return "", 0, "", err
	}
	if err := p.str(m, path, "secret_file", file); err != nil {
		return "", 0, "", err
	}
	switch {
	case *env != "" && *file != "":
		return "", 0, "", p.errAt(m["secret_file"].key.Line, path+".secret_file", fmt.Errorf("%w: set secret_env or secret_file, not both", ErrInvalidValue))
	case *env != "":
		key, line := path+".secret_env", m["secret_env"].key.Line
		v, ok := p.opts.LookupEnv(*env)
		v = strings.TrimSpace(v)
		if !ok || v == "" {
			return "", 0, "", p.errAt(line, key, fmt.Errorf("%w: environment variable %s is unset or empty", ErrMissingSecret, clip(*env)))
		}
		return v, line, key, nil
	case *file != "":
		key, line := path+".secret_file", m["secret_file"].key.Line
		b, err := p.opts.ReadFile(*file)
		v := strings.TrimSpace(string(b))
		if err != nil || v == "" {
			return "", 0, "", p.errAt(line, key, fmt.Errorf("%w: file %s cannot be read or is empty", ErrMissingSecret, clip(*file)))
		}
		return v, line, key, nil
	}
	return "", 0, "", p.errAt(n.Line, path+".secret_env", fmt.Errorf("%w: set secret_env or secret_file", ErrMissingKey))
}

// clip bounds a configuration value repeated in an error.
func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "..."
	}
	return s
}

func (p *parser) source(n *yaml.Node, path string, cfg *Config) error {
	m, err := p.mapping(n, path, "name", "path", "scheme", "secret_env", "secret_file", "tolerance")
	if err != nil {
		return err
	}
	s := Source{line: n.Line}
	if err := p.name(m, n, path, &s.Name, func(name string) bool { _, ok := cfg.source(name); return ok }); err != nil {
		return err
	}
	if err := p.required(m, n, path, "path", &s.Path); err != nil {
		return err
	}
	if !strings.HasPrefix(s.Path, "/") || len(s.Path) > 256 || strings.ContainsAny(s.Path, " {}?#") || strings.HasPrefix(s.Path, "/relay/") {
		return p.errAt(m["path"].key.Line, path+".path", fmt.Errorf("%w: want a path such as /in/stripe", ErrInvalidValue))
	}
	for _, o := range cfg.Sources {
		if o.Path == s.Path {
			return p.errAt(m["path"].key.Line, path+".path", fmt.Errorf("%w: source %s has this path already", ErrInvalidValue, o.Name))
		}
	}
	if err := p.required(m, n, path, "scheme", &s.Scheme); err != nil {
		return err
	}
	if !contains(schemes, s.Scheme) {
		return p.errAt(m["scheme"].key.Line, path+".scheme", fmt.Errorf("%w: scheme %q: want one of %s", ErrInvalidValue, clip(s.Scheme), strings.Join(schemes, ", ")))
	}
	if err := p.duration(m, path, "tolerance", &s.Tolerance); err != nil {
		return err
	}
	secret, line, key, err := p.secret(m, n, path, &s.SecretEnv, &s.SecretFile)
	if err != nil {
		return err
	}
	if _, err := newAuthenticator(s.Scheme, secret, s.Tolerance); err != nil {
		return p.errAt(line, key, fmt.Errorf("%w: the secret does not suit scheme %s: %v", ErrInvalidValue, s.Scheme, err))
	}
	s.secret = &secret
	cfg.Sources = append(cfg.Sources, s)
	return nil
}

func (p *parser) destination(n *yaml.Node, path string, cfg *Config) error {
	m, err := p.mapping(n, path, "name", "url", "secret_env", "secret_file", "allow_private_network", "rate_limit", "burst")
	if err != nil {
		return err
	}
	d := Destination{line: n.Line}
	if err := p.name(m, n, path, &d.Name, func(name string) bool { _, ok := cfg.destination(name); return ok }); err != nil {
		return err
	}
	if err := p.required(m, n, path, "url", &d.URL); err != nil {
		return err
	}
	if err := p.boolean(m, path, "allow_private_network", &d.AllowPrivateNetwork); err != nil {
		return err
	}
	u, err := url.Parse(d.URL)
	switch {
	case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || len(d.URL) > 2048:
		return p.errAt(m["url"].key.Line, path+".url", fmt.Errorf("%w: want an absolute http or https URL", ErrInvalidValue))
	case d.AllowPrivateNetwork && blockedName(u.Hostname()):
		return p.errAt(m["url"].key.Line, path+".url", fmt.Errorf("%w: with allow_private_network, name the host by IP address (127.0.0.1) or by a name outside localhost and .internal", ErrInvalidValue))
	}
	if err := p.number(m, path, "rate_limit", 0, 10000, &d.RateLimit); err != nil {
		return err
	}
	if err := p.integer(m, path, "burst", 0, 10000, &d.Burst); err != nil {
		return err
	}
	secret, line, key, err := p.secret(m, n, path, &d.SecretEnv, &d.SecretFile)
	if err != nil {
		return err
	}
	key32, err := destinationSecret(secret)
	if err != nil {
		return p.errAt(line, key, fmt.Errorf("%w: %v", ErrInvalidValue, err))
	}
	d.secret = &key32
	cfg.Destinations = append(cfg.Destinations, d)
	return nil
}

func (p *parser) route(n *yaml.Node, path string, cfg *Config) error {
	m, err := p.mapping(n, path, "source", "types", "when", "to")
	if err != nil {
		return err
	}
	r := Route{line: n.Line}
	if err := p.required(m, n, path, "source", &r.Source); err != nil {
		return err
	}
	if _, ok := cfg.source(r.Source); !ok {
		return p.errAt(m["source"].key.Line, path+".source", fmt.Errorf("%w: no source is named %q", ErrInvalidValue, clip(r.Source)))
	}
	var lines []int
	if r.Types, lines, err = p.strings(m, path, "types"); err != nil {
		return err
	}
	for i, t := range r.Types {
		if !validPattern(t) {
			return p.errAt(lines[i], fmt.Sprintf("%s.types[%d]", path, i), fmt.Errorf("%w: %q: want a type such as invoice.paid or a prefix such as invoice.*", ErrInvalidValue, clip(t)))
		}
	}
	if r.To, lines, err = p.strings(m, path, "to"); err != nil {
		return err
	}
	if len(r.To) == 0 {
		line := n.Line
		if f, ok := m["to"]; ok {
			line = f.key.Line
		}
		return p.errAt(line, path+".to", fmt.Errorf("%w: name at least one destination", ErrMissingKey))
	}
	for i, d := range r.To {
		if _, ok := cfg.destination(d); !ok {
			return p.errAt(lines[i], fmt.Sprintf("%s.to[%d]", path, i), fmt.Errorf("%w: no destination is named %q", ErrInvalidValue, clip(d)))
		}
	}
	conds, err := p.list(m, path, "when")
	if err != nil {
		return err
	}
	for i, c := range conds {
		cond, err := p.condition(c, fmt.Sprintf("%s.when[%d]", path, i))
		if err != nil {
			return err
		}
		r.When = append(r.When, cond)
	}
	cfg.Routes = append(cfg.Routes, r)
	return nil
}

func (p *parser) condition(n *yaml.Node, path string) (Condition, error) {
	m, err := p.mapping(n, path, "field", "equals", "prefix", "exists")
	if err != nil {
		return Condition{}, err
	}
	var c Condition
	if err := p.required(m, n, path, "field", &c.Field); err != nil {
		return Condition{}, err
	}
	if !validField(c.Field) {
		return Condition{}, p.errAt(m["field"].key.Line, path+".field", fmt.Errorf("%w: want a dotted path of letters, digits, '_' and '-', such as data.object.status", ErrInvalidValue))
	}
	set := 0
	if _, ok := m["equals"]; ok {
		c.Equals = new(string)
		if err := p.str(m, path, "equals", c.Equals); err != nil {
			return Condition{}, err
		}
		set++
	}
	if _, ok := m["prefix"]; ok {
		c.Prefix = new(string)
		if err := p.str(m, path, "prefix", c.Prefix); err != nil {
			return Condition{}, err
		}
		set++
	}
	if _, ok := m["exists"]; ok {
		c.Exists = new(bool)
		if err := p.boolean(m, path, "exists", c.Exists); err != nil {
			return Condition{}, err
		}
		set++
	}
	if set != 1 {
		return Condition{}, p.errAt(n.Line, path, fmt.Errorf("%w: set exactly one of equals, prefix and exists", ErrInvalidValue))
	}
	return c, nil
}

func (c *Config) source(name string) (*Source, bool) {
	for i := range c.Sources {
		if c.Sources[i].Name == name {
			return &c.Sources[i], true
		}
	}
	return nil, false
}

func (c *Config) destination(name string) (*Destination, bool) {
	for i := range c.Destinations {
		if c.Destinations[i].Name == name {
			return &c.Destinations[i], true
		}
	}
	return nil, false
}
