package standardwebhooks

import (
	"errors"

	"github.com/signedhooks/webhook"
)

func isDocumented(err error) bool {
	for _, want := range []error{webhook.ErrMissingSignature, webhook.ErrInvalidHeader,
		webhook.ErrNoMatchingSignature, webhook.ErrTimestampTooOld, webhook.ErrTimestampTooNew} {
		if errors.Is(err, want) {
			return true
		}
	}
	return false
}
