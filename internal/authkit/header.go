package authkit

import (
	"fmt"

	"github.com/signedhooks/webhook/internal/sigheader"
)

// ParseHeader parses a "t=<unix>,<key>=<hex>" signature header value into
// h, with key [sigheader.NativeKey] for this module's format or
// [sigheader.StripeKey] for Stripe's. An empty value is ErrMissingSignature;
// a value the parser refuses is an error wrapping ErrInvalidHeader that says
// why.
func ParseHeader(v, key string, h *sigheader.Header) error {
	if v == "" {
		return ErrMissingSignature
	}
	if err := sigheader.Parse(v, key, h); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidHeader, err)
	}
	return nil
}
