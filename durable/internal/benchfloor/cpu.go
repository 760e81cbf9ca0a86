package benchfloor

import (
	"testing"
	"time"

	"github.com/signedhooks/webhook/internal/cputime"
)

// CPU is the CPU time (user and system) used so far by this process and
// by the PostgreSQL server's processes, when they run on this machine and
// can be read (Linux's /proc). A benchmark reads it before and after the
// part it measures: on a machine where the workers, the receiving server
// and the database share the cores, throughput is the inverse of the CPU
// a delivery costs, and these say which side it is spent on.
type CPU struct {
	Self time.Duration
	DB   time.Duration
	// DBSeen reports whether PostgreSQL's processes were read: not for
	// SQLite, which runs in this process, nor for a server elsewhere.
	DBSeen bool
}

// ReadCPU returns the CPU time used so far, and the database's when
// postgres says it is PostgreSQL.
func ReadCPU(postgres bool) CPU {
	c := CPU{Self: cputime.Process()}
	if postgres {
		c.DB, c.DBSeen = postgresCPU()
	}
	return c
}

// Report reports the CPU per delivery since start, n deliveries:
// "go-µs/op" for this process (workers, client and receiving server) and,
// when PostgreSQL's processes are readable, "pg-µs/op" for the database.
func Report(b *testing.B, start CPU, n int) {
	if n <= 0 {
		return
	}
	end := ReadCPU(start.DBSeen)
	if end.Self == 0 { // not measured on this system
		return
	}
	b.ReportMetric(float64(end.Self-start.Self)/float64(n)/1e3, "go-µs/op")
	if start.DBSeen && end.DBSeen {
		b.ReportMetric(float64(end.DB-start.DB)/float64(n)/1e3, "pg-µs/op")
	}
}
