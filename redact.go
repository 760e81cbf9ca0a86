package webhook

import (
	"errors"
	"net/url"
)

// redactURL returns u without user info, query or fragment, which often
// hold credentials ("https://user:pass@host/hook?token=..."). A query is
// replaced by "?redacted" so a reader can tell one was there. The path is
// kept: it is what tells endpoints on one host apart.
func redactURL(u *url.URL) string {
	if u == nil {
		return ""
	}
	c := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path, RawPath: u.RawPath}
	s := c.String()
	if u.RawQuery != "" || u.ForceQuery {
		s += "?redacted"
	}
	return s
}

// redactError replaces the URL inside the *url.Error that net/http returns,
// which would otherwise carry the full URL, credentials included.
func redactError(err error, redacted string) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		ue.URL = redacted
	}
	return err
}
