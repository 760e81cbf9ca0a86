package main

import (
	"fmt"
	"time"

	"github.com/signedhooks/webhook"
	"github.com/signedhooks/webhook/githubsig"
	"github.com/signedhooks/webhook/standardwebhooks"
	"github.com/signedhooks/webhook/stripesig"
)

// schemeUsage describes the -scheme flag.
const schemeUsage = "signature `scheme`: native (this module's), standard (Standard Webhooks), stripe or github"

// checkOptions are how strictly a scheme checks the signed time.
type checkOptions struct {
	tolerance   time.Duration
	noTolerance bool
	maxBody     int64
}

// newScheme returns the authenticator and the signer of the scheme named
// name, for secret as the provider shows it: a whsec_ secret for native,
// standard and stripe (Stripe's is used as is, not decoded), the text
// typed into GitHub for github. Errors never contain the secret.
func newScheme(name, secret string, o checkOptions) (webhook.Authenticator, webhook.HeaderSigner, error) {
	switch name {
	case "", "native":
		key, err := webhook.ParseSecret(secret)
		if err != nil {
			return nil, nil, err
		}
		v, err := webhook.NewVerifier(key, &webhook.VerifierOptions{
			Tolerance: o.tolerance, InsecureSkipTimestampCheck: o.noTolerance, MaxBodyBytes: o.maxBody,
		})
		if err != nil {
			return nil, nil, err
		}
		s, err := webhook.NewSigner(key, nil)
		return v, s, err
	case "standard":
		v, err := standardwebhooks.NewVerifier([]string{secret}, &standardwebhooks.VerifierOptions{
			Tolerance: o.tolerance, InsecureSkipTimestampCheck: o.noTolerance,
		})
		if err != nil {
			return nil, nil, err
		}
		s, err := standardwebhooks.NewSigner([]string{secret}, nil)
		return v, s, err
	case "stripe":
		v, err := stripesig.NewVerifier([]string{secret}, &stripesig.VerifierOptions{
			Tolerance: o.tolerance, InsecureSkipTimestampCheck: o.noTolerance,
		})
		if err != nil {
			return nil, nil, err
		}
		s, err := stripesig.NewSigner([]string{secret}, nil)
		return v, s, err
	case "github":
		v, err := githubsig.NewVerifier([]string{secret}, nil)
		if err != nil {
			return nil, nil, err
		}
		s, err := githubsig.NewSigner(secret, nil)
		return v, s, err
	}
	return nil, nil, usagef("-scheme %q: want native, standard, stripe or github", clipName(name))
}

// clipName bounds a flag value repeated in an error.
func clipName(s string) string {
	if len(s) > 32 {
		return fmt.Sprintf("%.32s...", s)
	}
	return s
}
