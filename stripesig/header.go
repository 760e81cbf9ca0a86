package stripesig

import "github.com/signedhooks/webhook/internal/sigheader"

// Bounds on what a sender controls. A header over any of them is rejected
// with an error matching [webhook.ErrInvalidHeader] before any MAC runs.
// Stripe's header is parsed by the same code as the native format's, with
// "v1" as the key of a signature: pairs separated by ',', spaces and tabs
// around a pair ignored, the first '=' splitting key from value, other keys
// (v0, future schemes) ignored. A header needs exactly one t and at least
// one v1; hex may be upper or lower case; a bare "t" or "v1" without a value
// is malformed.
const (
	// MaxHeaderLen is the longest Stripe-Signature value accepted, in bytes.
	MaxHeaderLen = sigheader.MaxLen
	// MaxSignatures is the most "v1=" entries one header may hold.
	MaxSignatures = sigheader.MaxSignatures
)
