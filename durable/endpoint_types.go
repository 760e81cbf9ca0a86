package durable

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
	// "failing" (failing for [EndpointsOptions.DisableAfter]) or "gone"
	// (it answered 410 Gone); empty while enabled.
	DisabledReason string `json:"disabled_reason,omitempty"`
	// FailingSince is the first failure of the current run of failures.
	FailingSince *time.Time `json:"failing_since,omitempty"`
	// Secrets are the live signing secrets, newest first, without their
	// bytes: an entry with ExpiresAt is in its rotation grace period. Only
	// [Endpoints.GetEndpoint] (and the calls that return its result) fill
	// it; listings leave it out.
	Secrets   []SecretInfo `json:"secrets,omitempty"`
	CreatedAt time.Time    `json:"created_at"`
	UpdatedAt time.Time    `json:"updated_at"`
	// Breaker is the state of its circuit breaker; see [Breaker].
	Breaker Breaker `json:"breaker"`

	version int64
}

// SecretInfo describes a signing secret without revealing it.
type SecretInfo struct {
	ID        int64      `json:"id"`
	CreatedAt time.Time  `json:"created_at"`
	ExpiresAt *time.Time `json:"expires_at,omitempty"`
}

// EndpointInput is a new endpoint. Only URL is required.
type EndpointInput struct {
	// URL is an absolute http or https URL of at most 2048 bytes.
	URL string `json:"url"`
	// Description is free text of at most 1024 bytes.
	Description string `json:"description"`
	// Filter lists event types ("invoice.paid") and prefixes
	// ("invoice.*"); empty means every event type. At most 64 entries.
	Filter []string `json:"filter"`
	// RateLimit caps attempts per second to this endpoint (per delivering
	// process), in bursts of up to Burst. 0 means no limit.
	RateLimit float64 `json:"rate_limit"`
	Burst     int     `json:"burst"`
	// Headers are sent with every delivery. At most 16; the signature,
	// id, timestamp and hop-by-hop headers cannot be overridden.
	Headers map[string]string `json:"headers"`
	// Disabled creates the endpoint disabled.
	Disabled bool `json:"disabled"`
}

// EndpointUpdate changes the fields that are not nil.
type EndpointUpdate struct {
	URL         *string            `json:"url"`
	Description *string            `json:"description"`
	Filter      *[]string          `json:"filter"`
	RateLimit   *float64           `json:"rate_limit"`
	Burst       *int               `json:"burst"`
	Headers     *map[string]string `json:"headers"`
}

// PublishResult is what [Endpoints.Publish] stored.
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

// EndpointAttempt is one recorded delivery attempt to an endpoint.
type EndpointAttempt struct {
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
