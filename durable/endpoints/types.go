package endpoints

import (
	"encoding/json"
	"time"
)

// Application is one of the provider's customers (a tenant): it owns
// endpoints and messages.
type Application struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	CreatedAt time.Time `json:"created_at"`
}

// Endpoint is a URL registered by an application, as shown by the API. It
// never carries a secret's bytes.
type Endpoint struct {
	ID            string            `json:"id"`
	ApplicationID string            `json:"application_id"`
	URL           string            `json:"url"`
	Description   string            `json:"description"`
	Enabled       bool              `json:"enabled"`
	Filter        []string          `json:"filter"`     // empty: every event type
	RateLimit     float64           `json:"rate_limit"` // attempts per second; 0: no limit
	Burst         int               `json:"burst"`
	Headers       map[string]string `json:"headers"`
	// DisabledReason says why it is disabled: "manual" (by the API),
	// "failing" (failing for [Options.DisableAfter]) or "gone"
	// (it answered 410 Gone); empty while enabled.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// FailingSince is the first failure of the current run of failures.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	// Secrets are the live signing secrets, newest first, without their
	// bytes: an entry with ExpiresAt is in its rotation grace period. Only
	// [Service.GetEndpoint] (and the calls that return its result) fill
	// it; listings leave it out.
	Secrets   []SecretInfo `json:"secrets,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	// Breaker is the state of its circuit breaker; see [Breaker].
	Breaker Breaker `json:"breaker"`
	// MaxConcurrency is how many attempts to this endpoint may run at
	// once, over every process sharing the database; 0 means
	// [Options.MaxConcurrency].
	MaxConcurrency int `json:"max_concurrency"`

	version int64
}

// SecretInfo describes a signing secret without revealing it.
type SecretInfo struct {
	ID        int64      `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// Input is a new endpoint. Only URL is required.
type Input struct {
	// URL is an absolute http or https URL of at most 2048 bytes.
	URL string `json:"url"`
	// Description is free text of at most 1024 bytes.
	Description string `json:"description"`
	// Filter lists event types ("invoice.paid") and prefixes
	// ("invoice.*"); empty means every event type. At most 64 entries.
	Filter []string `json:"filter"`
	// RateLimit caps attempts per second to this endpoint, in bursts of up
	// to Burst (0 counts as 1), over every process sharing the database. A
	// delivery waits for its turn in the queue, holding no worker and
	// spending no attempt. 0 means no limit.
	RateLimit float64 `json:"rate_limit"`
	Burst     int     `json:"burst"`
	// Headers are sent with every delivery. At most 16; the signature,
	// id, timestamp and hop-by-hop headers cannot be overridden.
	Headers map[string]string `json:"headers"`
	// Disabled creates the endpoint disabled.
	Disabled bool `json:"disabled"`
	// MaxConcurrency is how many attempts to this endpoint may run at
	// once, over every process sharing the database, so that a slow or
	// hanging endpoint holds at most that many workers of the fleet; a
	// delivery that finds them all busy waits in the queue, holding no
	// worker and spending no attempt. 0 means
	// [Options.MaxConcurrency]; at most 1000.
	MaxConcurrency int `json:"max_concurrency"`
	// Secret, if set, is the endpoint's first signing secret, imported
	// from elsewhere so that its receiver keeps verifying with the secret
	// it has: "whsec_<base64>" (or a raw string, as [webhook.ParseSecret]
	// reads it) of 16 to 64 bytes. Empty: a new random secret. It is
	// stored like every secret (encrypted under
	// [Options.SecretKeys]), and shown only in the answer of
	// [Service.CreateEndpoint].
	Secret string `json:"secret,omitempty"`
}

// Update changes the fields that are not nil.
type Update struct {
	URL         *string            `json:"url"`
	Description *string            `json:"description"`
	Filter      *[]string          `json:"filter"`
	RateLimit   *float64           `json:"rate_limit"`
	Burst       *int               `json:"burst"`
	Headers     *map[string]string `json:"headers"`
	// MaxConcurrency: see [Input.MaxConcurrency].
	MaxConcurrency *int `json:"max_concurrency"`
}

// PublishResult is what [Service.Publish] stored.
type PublishResult struct {
	// MessageID is the message's id.
	MessageID string `json:"message_id"`
	// Deliveries is how many endpoints the message was queued for.
	Deliveries int `json:"deliveries"`
	// Duplicate reports that the application already had a message with
	// this id: nothing new was stored or queued.
	Duplicate bool `json:"duplicate"`
}

// MessageRecord is a published message, as listed by the API.
type MessageRecord struct {
	ID        string          `json:"id"`
	EventType string          `json:"event_type"`
	Payload   json.RawMessage `json:"payload"` // the JSON body, byte for byte
	CreatedAt time.Time       `json:"created_at"`
	seq       int64
}

// Attempt is one recorded delivery attempt to an endpoint.
type Attempt struct {
	ID         int64         `json:"id"`
	EndpointID string        `json:"endpoint_id"`
	MessageID  string        `json:"message_id"`
	Number     int           `json:"attempt"`
	At         time.Time     `json:"at"`
	Latency    time.Duration `json:"latency_ns"`
	StatusCode int           `json:"status_code"`
	// Outcome is "delivered", "retry", "permanent", "gone" (410) or
	// "aborted" (the worker was stopping; the attempt is made again).
	Outcome  string `json:"outcome"`
	Error    string `json:"error,omitempty"`
	Response string `json:"response,omitempty"`
}

// Page is one page of a listing, newest first. Pass Next as the cursor of
// the following call; it is empty on the last page. New items never shift
// a page: a cursor marks a position in a monotonic sequence.
type Page[T any] struct {
	Items []T    `json:"items"`
	Next  string `json:"next,omitempty"`
}
