// Package portal is a customer portal a provider embeds: an [http.Handler]
// that shows one application's webhooks to that application's users, so
// that they manage their endpoints themselves. It is server-rendered HTML
// from embedded templates, with one small stylesheet and one small,
// optional script, under a strict Content-Security-Policy; every page works
// without the script.
//
// The provider signs its customer in as usual, then sends them to a link it
// mints with [Portal.URL]: a short-lived token, signed with a key only the
// provider holds and scoped to one application. The portal exchanges it
// for a session cookie (HttpOnly, Secure, SameSite=Strict) on the first
// visit and takes it out of the address bar. Every form carries a
// per-session CSRF token, and every POST must come from the portal's own
// origin.
//
//	p, err := portal.New(svc, &portal.Options{Key: key, Path: "/portal/"})
//	mux.Handle("/portal/", p)
//	// In the provider's settings page, for a signed-in customer:
//	link, err := p.URL(customer.AppID, 10*time.Minute)
//
// Pages: the endpoints (create, edit, enable, disable, delete), each
// endpoint's signing secret (revealed on request, rotated with its grace
// period shown), "send a test event", its recent attempts and the recovery
// of its failed deliveries; the event types the provider declares
// ([Options.EventTypes]); the message log, filtered by type, status and
// time, and each message's attempts with the response snippet and a
// resend.
package portal
