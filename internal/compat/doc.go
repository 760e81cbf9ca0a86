// Package compat proves that the signature schemes of
// github.com/signedhooks/webhook interoperate with the providers' own Go
// libraries (stripe-go, the Standard Webhooks reference library, go-github),
// and benchmarks each verifier beside its provider's. It is a module of its
// own so that the main module never depends on provider SDKs; it holds only
// tests.
package compat
