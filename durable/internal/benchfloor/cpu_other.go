//go:build !unix

package benchfloor

import "time"

func processCPU() time.Duration { return 0 }

func postgresCPU() (time.Duration, bool) { return 0, false }
