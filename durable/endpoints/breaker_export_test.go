package endpoints

import "time"

// SetParkHook makes hook see every wait of an open breaker of e (the job
// and the wait on e's clock) and return the wait in River's real time. Set
// it before the Runtime starts.
func SetParkHook[TTx any](e *Service[TTx], hook func(jobID int64, d time.Duration) time.Duration) {
	e.parkHook = hook
}

// SetLineWait makes hook see the snooze of every job of e that joins an
// endpoint's line for a slot, and return the one to use. Set it before the
// Runtime starts.
func SetLineWait[TTx any](e *Service[TTx], hook func(time.Duration) time.Duration) {
	e.gate.lineWait = hook
}

// SetBookedStart makes e call hook when a job that booked a time of its
// endpoint's rate limit runs again, before the gate looks at the time (a
// sleep in it makes the job start late). Set it before the Runtime starts.
func SetBookedStart[TTx any](e *Service[TTx], hook func(jobID int64)) {
	e.gate.bookedStart = hook
}
