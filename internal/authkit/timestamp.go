package authkit

import (
	"errors"
	"fmt"
	"time"

	"github.com/signedhooks/webhook/internal/sigheader"
)

// MaxTimestampDigits bounds a unix timestamp in seconds, as in the native
// format's parser.
const MaxTimestampDigits = sigheader.MaxTimestampDigits

// ParseUnix parses a unix timestamp in seconds written as 1 to
// MaxTimestampDigits ASCII digits, without sign or spaces.
func ParseUnix(s string) (int64, bool) { return sigheader.ParseUnix(s) }

// Clock is the timestamp rule shared by every scheme with a signed
// timestamp: tolerance both ways, an injectable clock, and an explicit switch
// to turn the check off.
type Clock struct {
	// Tolerance is how far a timestamp may lie from Now, either way.
	Tolerance time.Duration
	// Skip turns the check off (InsecureSkipTimestampCheck).
	Skip bool
	// Now returns the current time.
	Now func() time.Time
}

// NewClock validates and fills in the defaults: tolerance 0 means
// DefaultTolerance, a nil now means time.Now, and a negative
// tolerance is an error. pkg prefixes the error message.
func NewClock(pkg string, tolerance time.Duration, skip bool, now func() time.Time) (Clock, error) {
	if tolerance < 0 {
		return Clock{}, errors.New(pkg + ": negative Tolerance; use InsecureSkipTimestampCheck to turn the check off")
	}
	if tolerance == 0 {
		tolerance = DefaultTolerance
	}
	if now == nil {
		now = time.Now
	}
	return Clock{Tolerance: tolerance, Skip: skip, Now: now}, nil
}

// Check returns nil when unix lies within the tolerance of Now, or an error
// wrapping ErrTimestampTooOld or ErrTimestampTooNew.
func (c Clock) Check(unix int64) error {
	if c.Skip {
		return nil
	}
	now := c.Now()
	// time.Time.Sub saturates at about 292 years, and negating the minimum
	// Duration overflows, so settle far-off timestamps in whole seconds.
	const farOff = 1 << 32 // seconds, about 136 years
	if d := now.Unix() - unix; d > farOff {
		return fmt.Errorf("%w: signed more than 100 years ago", ErrTimestampTooOld)
	} else if d < -farOff {
		return fmt.Errorf("%w: signed more than 100 years ahead", ErrTimestampTooNew)
	}
	age := now.Sub(time.Unix(unix, 0))
	switch {
	case age > c.Tolerance:
		return fmt.Errorf("%w: signed %s ago, tolerance %s", ErrTimestampTooOld, age.Round(time.Second), c.Tolerance)
	case -age > c.Tolerance:
		return fmt.Errorf("%w: signed %s ahead, tolerance %s", ErrTimestampTooNew, (-age).Round(time.Second), c.Tolerance)
	}
	return nil
}

// ReplayWindow is how long a signature stays valid under this clock: twice
// the tolerance, or 0 when the check is off.
func (c Clock) ReplayWindow() time.Duration {
	if c.Skip {
		return 0
	}
	return 2 * c.Tolerance
}
