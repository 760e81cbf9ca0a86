package portal

import (
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/signedhooks/webhook/durable/endpoints"
)

func (p *Portal) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { p.redirect(w, r, "endpoints", "") })
	m.HandleFunc("GET /endpoints", p.endpointsPage)
	m.HandleFunc("POST /endpoints", p.createEndpoint)
	m.HandleFunc("GET /endpoints/{id}", p.endpointPage)
	m.HandleFunc("POST /endpoints/{id}", p.updateEndpoint)
	m.HandleFunc("POST /endpoints/{id}/enable", p.setEnabled(true))
	m.HandleFunc("POST /endpoints/{id}/disable", p.setEnabled(false))
	m.HandleFunc("POST /endpoints/{id}/delete", p.deleteEndpoint)
	m.HandleFunc("POST /endpoints/{id}/secret/reveal", p.revealSecret)
	m.HandleFunc("POST /endpoints/{id}/secret/rotate", p.rotateSecret)
	m.HandleFunc("POST /endpoints/{id}/test", p.sendTest)
	m.HandleFunc("POST /endpoints/{id}/recover", p.recoverEndpoint)
	m.HandleFunc("GET /event-types", p.eventTypesPage)
	m.HandleFunc("GET /messages", p.messagesPage)
	m.HandleFunc("GET /messages/{id}", p.messagePage)
	m.HandleFunc("POST /messages/{id}/resend", p.resend)
	m.HandleFunc("POST /sign-out", p.signOut)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		p.fail(w, r, sessionOf(r), http.StatusNotFound, "There is no such page.")
	})
	p.mux = m
}

// redirect answers a POST (or the root) with 303 to a page of the portal,
// named by path segments already escaped, with a confirmation.
func (p *Portal) redirect(w http.ResponseWriter, r *http.Request, path, done string, extra ...string) {
	to := p.opts.Path + path
	q := url.Values{}
	if done != "" {
		q.Set("done", done)
	}
	for i := 0; i+1 < len(extra); i += 2 {
		q.Set(extra[i], extra[i+1])
	}
	if len(q) > 0 {
		to += "?" + q.Encode()
	}
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// failErr shows err as [Portal.userMessage] words it.
func (p *Portal) failErr(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := p.userMessage(r, err)
	p.fail(w, r, sessionOf(r), status, msg)
}

// endpointForm is the endpoint form as typed, to show it again.
type endpointForm struct {
	URL, Description, Extra, RateLimit, Burst, Headers string
	Filter                                             []string
}

func formOf(ep endpoints.Endpoint) endpointForm {
	f := endpointForm{URL: ep.URL, Description: ep.Description, Headers: headersText(ep.Headers), Filter: ep.Filter}
	if ep.RateLimit != 0 {
		f.RateLimit = strconv.FormatFloat(ep.RateLimit, 'f', -1, 64)
	}
	if ep.Burst != 0 {
		f.Burst = strconv.Itoa(ep.Burst)
	}
	return f
}

// filterForm splits a filter into the declared types (ticked boxes) and
// the other entries (prefixes, or types when none are declared).
func (p *Portal) filterForm(f *endpointForm) {
	var ticked, extra []string
	for _, e := range f.Filter {
		if _, ok := p.catalog.Lookup(e); ok {
			ticked = append(ticked, e)
		} else {
			extra = append(extra, e)
		}
	}
	f.Filter, f.Extra = ticked, strings.Join(extra, ", ")
}

// parseEndpointForm reads the endpoint form into f and checks what the
// portal checks beyond durable: the filter against the catalogue.
func (p *Portal) parseEndpointForm(r *http.Request) (endpoints.Input, endpointForm, error) {
	f := endpointForm{URL: strings.TrimSpace(r.PostFormValue("url")), Description: r.PostFormValue("description"),
		Extra: r.PostFormValue("filter_extra"), RateLimit: strings.TrimSpace(r.PostFormValue("rate_limit")),
		Burst: strings.TrimSpace(r.PostFormValue("burst")), Headers: r.PostFormValue("headers"), Filter: r.PostForm["filter"]}
	in := endpoints.Input{URL: f.URL, Description: f.Description, Headers: map[string]string{}}
	in.Filter = append(in.Filter, f.Filter...)
	in.Filter = append(in.Filter, strings.FieldsFunc(f.Extra, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })...)
	var err error
	if f.RateLimit != "" {
		if in.RateLimit, err = strconv.ParseFloat(f.RateLimit, 64); err != nil {
			return in, f, fmt.Errorf("%w: the rate limit must be a number of deliveries per second", errForm)
		}
	}
	if f.Burst != "" {
		if in.Burst, err = strconv.Atoi(f.Burst); err != nil {
			return in, f, fmt.Errorf("%w: the burst must be a whole number", errForm)
		}
	}
	for i, line := range strings.Split(f.Headers, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok || strings.TrimSpace(k) == "" {
			return in, f, fmt.Errorf("%w: header line %d must read \"Name: value\"", errForm, i+1)
		}
		in.Headers[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if err := p.catalog.CheckFilter(in.Filter); err != nil {
		return in, f, err
	}
	return in, f, nil
}

type endpointsData struct {
	Endpoints []endpoints.Endpoint
	Types     []endpoints.EventType
	Form      endpointForm
	Error     string
}

func (p *Portal) endpointsPage(w http.ResponseWriter, r *http.Request) {
	p.showEndpoints(w, r, http.StatusOK, endpointForm{}, "")
}

func (p *Portal) showEndpoints(w http.ResponseWriter, r *http.Request, status int, f endpointForm, errMsg string) {
	s := sessionOf(r)
	eps, err := p.svc.ListEndpoints(r.Context(), s.appID)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	p.render(w, r, s, status, "endpoints", endpointsData{Endpoints: eps, Types: p.catalog.Types(), Form: f, Error: errMsg})
}

func (p *Portal) createEndpoint(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	in, f, err := p.parseEndpointForm(r)
	var ep endpoints.Endpoint
	if err == nil {
		ep, _, err = p.svc.CreateEndpoint(r.Context(), s.appID, in)
	}
	if err != nil {
		status, msg := p.userMessage(r, err)
		if status != http.StatusUnprocessableEntity {
			p.fail(w, r, s, status, msg)
			return
		}
		p.showEndpoints(w, r, status, f, msg)
		return
	}
	p.redirect(w, r, "endpoints/"+url.PathEscape(ep.ID), "created")
}

type endpointData struct {
	Endpoint    endpoints.Endpoint
	Types       []endpoints.EventType
	Form        endpointForm
	Error       string
	Secret      string // revealed on request
	Attempts    []endpoints.Attempt
	TestTypes   []string
	Recovered   string
	GraceChoice []graceChoice
}

type graceChoice struct {
	Value, Label string
}

var graceChoices = []graceChoice{{"", "the default grace period"}, {"1h", "1 hour"}, {"72h", "3 days"}, {"now", "no grace: retire it now"}}

func (p *Portal) endpointPage(w http.ResponseWriter, r *http.Request) {
	p.showEndpoint(w, r, http.StatusOK, nil, "", "")
}

// showEndpoint renders an endpoint's page; f, when set, is a form to show
// again with errMsg.
func (p *Portal) showEndpoint(w http.ResponseWriter, r *http.Request, status int, f *endpointForm, errMsg, secret string) {
	s := sessionOf(r)
	id := r.PathValue("id")
	ep, err := p.svc.GetEndpoint(r.Context(), s.appID, id)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	attempts, err := p.svc.ListAttempts(r.Context(), s.appID, endpoints.AttemptFilter{EndpointID: id}, "", 20)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	d := endpointData{Endpoint: ep, Types: p.catalog.Types(), Error: errMsg, Secret: secret, Attempts: attempts.Items,
		TestTypes: p.testTypes(), GraceChoice: graceChoices, Recovered: r.URL.Query().Get("n")}
	if f != nil {
		d.Form = *f
	} else {
		d.Form = formOf(ep)
		p.filterForm(&d.Form)
	}
	p.render(w, r, s, status, "endpoint", d)
}

func (p *Portal) testTypes() []string {
	types := p.catalog.Types()
	if len(types) == 0 {
		return []string{p.opts.TestEventType}
	}
	out := make([]string, len(types))
	for i, t := range types {
		out[i] = t.Name
	}
	return out
}

func (p *Portal) updateEndpoint(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	in, f, err := p.parseEndpointForm(r)
	if err == nil {
		_, err = p.svc.UpdateEndpoint(r.Context(), s.appID, r.PathValue("id"), endpoints.Update{
			URL: &in.URL, Description: &in.Description, Filter: &in.Filter, RateLimit: &in.RateLimit, Burst: &in.Burst, Headers: &in.Headers})
	}
	if err != nil {
		status, msg := p.userMessage(r, err)
		if status != http.StatusUnprocessableEntity {
			p.fail(w, r, s, status, msg)
			return
		}
		p.showEndpoint(w, r, status, &f, msg, "")
		return
	}
	p.redirect(w, r, "endpoints/"+url.PathEscape(r.PathValue("id")), "updated")
}

func (p *Portal) setEnabled(on bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s, id := sessionOf(r), r.PathValue("id")
		var err error
		done := "enabled"
		if on {
			_, err = p.svc.EnableEndpoint(r.Context(), s.appID, id)
		} else {
			_, err = p.svc.DisableEndpoint(r.Context(), s.appID, id)
			done = "disabled"
		}
		if err != nil {
			p.failErr(w, r, err)
			return
		}
		p.redirect(w, r, "endpoints/"+url.PathEscape(id), done)
	}
}

func (p *Portal) deleteEndpoint(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	if err := p.svc.DeleteEndpoint(r.Context(), s.appID, r.PathValue("id")); err != nil {
		p.failErr(w, r, err)
		return
	}
	p.redirect(w, r, "endpoints", "deleted")
}

// revealSecret shows the newest secret in the answer to a POST, which no
// cache keeps (Cache-Control: no-store) and no link or prefetch repeats.
func (p *Portal) revealSecret(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	secret, err := p.svc.RevealSecret(r.Context(), s.appID, r.PathValue("id"))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	p.showEndpoint(w, r, http.StatusOK, nil, "", secret)
}

func (p *Portal) rotateSecret(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	var grace time.Duration // 0: the service's default
	switch v := r.PostFormValue("grace"); v {
	case "":
	case "now":
		grace = -1
	case "1h", "72h":
		grace, _ = time.ParseDuration(v)
	default:
		p.fail(w, r, s, http.StatusUnprocessableEntity, "Choose one of the grace periods offered.")
		return
	}
	if _, err := p.svc.RotateSecret(r.Context(), s.appID, r.PathValue("id"), grace); err != nil {
		p.failErr(w, r, err)
		return
	}
	p.redirect(w, r, "endpoints/"+url.PathEscape(r.PathValue("id")), "rotated")
}

func (p *Portal) sendTest(w http.ResponseWriter, r *http.Request) {
	s, id := sessionOf(r), r.PathValue("id")
	typ := strings.TrimSpace(r.PostFormValue("event_type"))
	payload := []byte(strings.TrimSpace(r.PostFormValue("payload")))
	if t, ok := p.catalog.Lookup(typ); ok {
		if len(payload) == 0 {
			payload = t.Example
		}
	} else if len(p.catalog.Types()) > 0 || typ == "" {
		p.showEndpoint(w, r, http.StatusUnprocessableEntity, nil, "Choose one of the declared event types.", "")
		return
	}
	if len(payload) == 0 {
		payload = []byte(`{"test":true}`)
	}
	ep, err := p.svc.GetEndpoint(r.Context(), s.appID, id)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	if !ep.Enabled {
		p.showEndpoint(w, r, http.StatusConflict, nil, "This endpoint is disabled: enable it to send a test event.", "")
		return
	}
	res, err := p.svc.SendTest(r.Context(), s.appID, id, typ, payload)
	if err != nil {
		status, msg := p.userMessage(r, err)
		if status != http.StatusUnprocessableEntity {
			p.fail(w, r, s, status, msg)
			return
		}
		p.showEndpoint(w, r, status, nil, msg, "")
		return
	}
	p.redirect(w, r, "messages/"+url.PathEscape(res.MessageID), "sent")
}

var recoverWindows = map[string]time.Duration{"1h": time.Hour, "24h": 24 * time.Hour, "168h": 7 * 24 * time.Hour, "720h": 30 * 24 * time.Hour}

func (p *Portal) recoverEndpoint(w http.ResponseWriter, r *http.Request) {
	s, id := sessionOf(r), r.PathValue("id")
	d, ok := recoverWindows[r.PostFormValue("since")]
	if !ok {
		p.fail(w, r, s, http.StatusUnprocessableEntity, "Choose one of the periods offered.")
		return
	}
	ep, err := p.svc.GetEndpoint(r.Context(), s.appID, id)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	if !ep.Enabled {
		p.showEndpoint(w, r, http.StatusConflict, nil, "This endpoint is disabled: enable it before recovering its deliveries.", "")
		return
	}
	n, err := p.svc.Recover(r.Context(), s.appID, id, p.opts.Now().Add(-d))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	p.redirect(w, r, "endpoints/"+url.PathEscape(id), "recovered", "n", strconv.Itoa(n))
}

func (p *Portal) eventTypesPage(w http.ResponseWriter, r *http.Request) {
	p.render(w, r, sessionOf(r), http.StatusOK, "event_types", p.catalog.Types())
}

type messagesData struct {
	Messages []endpoints.LoggedMessage
	Types    []endpoints.EventType
	Type     string
	Status   string
	Since    string
	Until    string
	Next     string // the query of the next page
	Error    string
}

// timeForm is how the filter's times are written: datetime-local, UTC.
const timeForm = "2006-01-02T15:04"

func parseFormTime(v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse(timeForm, v)
}

func (p *Portal) messagesPage(w http.ResponseWriter, r *http.Request) {
	s := sessionOf(r)
	q := r.URL.Query()
	d := messagesData{Types: p.catalog.Types(), Type: strings.TrimSpace(q.Get("type")), Status: q.Get("status"),
		Since: q.Get("since"), Until: q.Get("until")}
	mq := endpoints.MessageQuery{EventType: d.Type, Status: d.Status}
	var err1, err2 error
	mq.Since, err1 = parseFormTime(d.Since)
	mq.Until, err2 = parseFormTime(d.Until)
	if err1 != nil || err2 != nil {
		d.Error = "Write times as 2006-01-02T15:04 (UTC)."
		p.render(w, r, s, http.StatusUnprocessableEntity, "messages", d)
		return
	}
	page, err := p.svc.FindMessages(r.Context(), s.appID, mq, q.Get("cursor"), 50)
	if err != nil {
		status, msg := p.userMessage(r, err)
		if status != http.StatusUnprocessableEntity {
			p.fail(w, r, s, status, msg)
			return
		}
		d.Error = msg
		p.render(w, r, s, status, "messages", d)
		return
	}
	d.Messages = page.Items
	if page.Next != "" {
		nq := url.Values{}
		for k, v := range map[string]string{"type": d.Type, "status": d.Status, "since": d.Since, "until": d.Until, "cursor": page.Next} {
			if v != "" {
				nq.Set(k, v)
			}
		}
		d.Next = nq.Encode()
	}
	p.render(w, r, s, http.StatusOK, "messages", d)
}

type messageData struct {
	Message   endpoints.LoggedMessage
	Attempts  []endpoints.Attempt
	Endpoints []endpoints.Endpoint
	Error     string
	reload    bool
}

// refresh reloads the page of a message just published until its first
// attempt is recorded, without a script.
func (d messageData) refresh() string {
	if d.reload {
		return "2"
	}
	return ""
}

func (p *Portal) messagePage(w http.ResponseWriter, r *http.Request) {
	p.showMessage(w, r, http.StatusOK, "")
}

func (p *Portal) showMessage(w http.ResponseWriter, r *http.Request, status int, errMsg string) {
	s := sessionOf(r)
	// The attempts first, then the message's status: read the other way
	// round, an attempt recorded in between would show beside a status
	// that predates it ("pending" above a delivered attempt).
	attempts, err := p.svc.ListAttempts(r.Context(), s.appID, endpoints.AttemptFilter{MessageID: r.PathValue("id")}, "", 100)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	m, err := p.svc.FindMessage(r.Context(), s.appID, r.PathValue("id"))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	eps, err := p.svc.ListEndpoints(r.Context(), s.appID)
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	d := messageData{Message: m, Attempts: attempts.Items, Endpoints: eps, Error: errMsg,
		reload: m.Status == endpoints.MessagePending && p.opts.Now().Sub(m.CreatedAt) < 2*time.Minute}
	p.render(w, r, s, status, "message", d)
}

func (p *Portal) resend(w http.ResponseWriter, r *http.Request) {
	s, id := sessionOf(r), r.PathValue("id")
	ep, err := p.svc.GetEndpoint(r.Context(), s.appID, r.PostFormValue("endpoint_id"))
	if err != nil {
		p.failErr(w, r, err)
		return
	}
	if !ep.Enabled {
		p.showMessage(w, r, http.StatusConflict, "That endpoint is disabled: enable it before resending.")
		return
	}
	if err := p.svc.Resend(r.Context(), s.appID, ep.ID, id); err != nil {
		p.failErr(w, r, err)
		return
	}
	p.redirect(w, r, "messages/"+url.PathEscape(id), "resent")
}

func (p *Portal) signOut(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, p.endSession())
	p.render(w, r, nil, http.StatusOK, "error", map[string]string{"Status": "Signed out", "Message": "You are signed out of the webhooks portal."})
}
