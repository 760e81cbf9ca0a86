//go:build !unix

package benchfloor

import "time"

func postgresCPU() (time.Duration, bool) { return 0, false }
