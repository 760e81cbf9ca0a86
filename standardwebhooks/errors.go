package standardwebhooks

import "errors"

// Errors of this package. Verification errors are those of package webhook
// ([webhook.ErrMissingSignature], [webhook.ErrInvalidHeader], ...), and key
// errors wrap [webhook.ErrNoSecret], [webhook.ErrInvalidSecret] or
// [webhook.ErrSecretTooShort]; these two are specific to this scheme.
var (
	// ErrPrivateKeyForVerifier means a "whsk_" signing key was given to
	// [NewVerifier]. A receiver must hold only the public key ("whpk_"), so
	// that it cannot forge deliveries; derive it with [FormatPublicKey].
	ErrPrivateKeyForVerifier = errors.New("standardwebhooks: verifier given a whsk_ private key; give it the whpk_ public key")

	// ErrInvalidID means a message id given to the [Signer] is empty or
	// longer than [MaxIDLen] bytes.
	ErrInvalidID = errors.New("standardwebhooks: message id empty or too long")
)
