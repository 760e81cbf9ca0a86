package redisstore

// Scripts and helpers exposed to the external tests.
var (
	ClaimScript  = claimScript
	ReplayScript = replayScript
	NewToken     = newToken
	Millis       = millis
	ValidToken   = validToken
	SigDigest    = sigDigest
)

// TokenLen is the length of a claim token.
const TokenLen = tokenLen
