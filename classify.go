package webhook

import (
	"errors"
	"net/http"
)

// Class is how one delivery attempt ended, as far as retrying goes.
type Class int

// The classes returned by [Classify].
const (
	// ClassDelivered: the endpoint answered 2xx.
	ClassDelivered Class = iota + 1

	// ClassRetry: a failure worth retrying (network error, timeout, 408,
	// 409, 425, 429, 5xx, a temporary redirect).
	ClassRetry

	// ClassPermanent: the endpoint refused the delivery and will refuse it
	// again (any other 4xx, a permanent redirect), or the destination is
	// not allowed.
	ClassPermanent

	// ClassGone: the endpoint answered 410 Gone. It is permanent too; it is
	// told apart so a provider can disable the endpoint.
	ClassGone
)

// String returns "delivered", "retry", "permanent" or "gone".
func (c Class) String() string {
	switch c {
	case ClassDelivered:
		return "delivered"
	case ClassRetry:
		return "retry"
	case ClassPermanent:
		return "permanent"
	case ClassGone:
		return "gone"
	}
	return "unknown"
}

// Classify decides what a delivery attempt's result means for retrying:
// status is the response status code (0 when there was no response) and err
// the transport error (nil when a response arrived). It is a pure function,
// usable without a [Sender], for example to map an attempt made elsewhere onto
// retry, snooze or cancel in a job queue.
//
//   - Any transport error (connection refused or reset, DNS failure,
//     timeout) is [ClassRetry], except [ErrBlockedAddress] and
//     [ErrInvalidURL], which are [ClassPermanent].
//   - 2xx is [ClassDelivered]; 410 is [ClassGone].
//   - 408, 409, 425, 429 and 5xx are [ClassRetry]. (409 is what a consumer
//     answers while an earlier attempt of the same message is in flight.)
//   - 301 and 308 are [ClassPermanent]: the endpoint says, for good, that it
//     lives elsewhere, and a webhook must reach the URL that was registered,
//     so retrying cannot help until someone updates the URL. Other 3xx (302,
//     303, 307: a maintenance page, a load balancer in the middle of a
//     deploy) are [ClassRetry]: they can heal on their own, and if they do
//     not, the delivery gives up after the policy's last attempt anyway.
//   - Any other 4xx is [ClassPermanent].
//   - Anything else (1xx, codes above 599) is [ClassRetry]: an endpoint
//     that answers nonsense is treated as broken for now, not as a refusal.
func Classify(status int, err error) Class {
	if err != nil {
		if errors.Is(err, ErrBlockedAddress) || errors.Is(err, ErrInvalidURL) {
			return ClassPermanent
		}
		return ClassRetry
	}
	switch {
	case status >= 200 && status <= 299:
		return ClassDelivered
	case status == http.StatusGone:
		return ClassGone
	case status == http.StatusMovedPermanently, status == http.StatusPermanentRedirect:
		return ClassPermanent
	case status == http.StatusRequestTimeout, status == http.StatusConflict,
		status == http.StatusTooEarly, status == http.StatusTooManyRequests:
		return ClassRetry
	case status >= 400 && status <= 499:
		return ClassPermanent
	}
	return ClassRetry
}
