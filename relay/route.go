package relay

import (
	"strings"

	"github.com/tidwall/gjson"
)

// maxTypeLen and maxTypeSegments bound an event type, as durable's
// endpoints do.
const (
	maxTypeLen      = 128
	maxTypeSegments = 16
)

// untyped is the type an event without one is delivered as.
const untyped = "untyped"

// validType accepts dot-separated segments of letters, digits, '_' and
// '-', the event types durable's endpoints publish.
func validType(t string) bool {
	if t == "" || len(t) > maxTypeLen {
		return false
	}
	segs := strings.Split(t, ".")
	if len(segs) > maxTypeSegments {
		return false
	}
	for _, seg := range segs {
		if seg == "" {
			return false
		}
		for _, c := range []byte(seg) {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-') {
				return false
			}
		}
	}
	return true
}

// validPattern accepts a route's type: "*", an exact type or "prefix.*".
func validPattern(p string) bool {
	if p == "*" {
		return true
	}
	if prefix, ok := strings.CutSuffix(p, ".*"); ok {
		return validType(prefix)
	}
	return validType(p)
}

// validField accepts a condition's dotted path: gjson's path syntax
// restricted to plain keys and indexes, so no wildcard, modifier or query
// makes a condition costly.
func validField(f string) bool {
	if len(f) > 256 {
		return false
	}
	return validType(f)
}

// matchType reports whether eventType matches a route's types.
func matchType(types []string, eventType string) bool {
	if len(types) == 0 {
		return true
	}
	for _, p := range types {
		if p == "*" || p == eventType {
			return true
		}
		if prefix, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(eventType, prefix) && len(eventType) > len(prefix) {
			return true
		}
	}
	return false
}

// holds reports whether the JSON body satisfies c.
func (c Condition) holds(body []byte) bool {
	v := gjson.GetBytes(body, c.Field)
	switch {
	case c.Exists != nil:
		return v.Exists() == *c.Exists
	case !v.Exists():
		return false
	case c.Equals != nil:
		return v.String() == *c.Equals
	case c.Prefix != nil:
		return v.Type == gjson.String && strings.HasPrefix(v.Str, *c.Prefix)
	}
	return false
}

// matches reports whether an event of source with eventType and body
// takes route r.
func (r *Route) matches(source, eventType string, body []byte) bool {
	if r.Source != source || !matchType(r.Types, eventType) {
		return false
	}
	for _, c := range r.When {
		if !c.holds(body) {
			return false
		}
	}
	return true
}

// plan is where one event goes: the routes it took (indexes into
// Config.Routes) and the destinations they name, each once, in the order
// of the configuration.
type plan struct {
	Routes       []int    `json:"routes"`
	Destinations []string `json:"destinations"`
}

func (c *Config) plan(source, eventType string, body []byte) plan {
	p := plan{Routes: []int{}, Destinations: []string{}}
	for i := range c.Routes {
		r := &c.Routes[i]
		if !r.matches(source, eventType, body) {
			continue
		}
		p.Routes = append(p.Routes, i)
		for _, d := range r.To {
			if !contains(p.Destinations, d) {
				p.Destinations = append(p.Destinations, d)
			}
		}
	}
	return p
}

// blockedName reports host names that durable's endpoints refuse even
// when their addresses are allowed.
func blockedName(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	return h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".internal")
}
