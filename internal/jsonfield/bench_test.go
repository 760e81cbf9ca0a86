package jsonfield

import (
	"strconv"
	"strings"
	"testing"

	"github.com/signedhooks/webhook/internal/cputime"
)

// stripeShaped returns a Stripe-shaped event of about size bytes, whose
// type comes last, after a data object of short strings, numbers and
// nested values: Find must scan all of it.
func stripeShaped(size int) []byte {
	var b strings.Builder
	b.WriteString(`{"id":"evt_1NG8Du2eZvKYlo2C","object":"event","data":{"object":{"items":[`)
	for i := 0; b.Len() < size-80; i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`{"id":"li_` + strconv.Itoa(i) + `","amount":1250,"currency":"usd","tax":{"rate":0.2},"tags":["a","b"]}`)
	}
	b.WriteString(`]}},"livemode":false,"type":"payment_intent.succeeded"}`)
	return []byte(b.String())
}

func BenchmarkFind(b *testing.B) {
	for _, size := range []int{256, 4 << 10, 64 << 10} {
		data := stripeShaped(size)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			cpu := cputime.Process()
			b.ResetTimer()
			for range b.N {
				if v, ok := Find(data, typeNames); !ok || v != "payment_intent.succeeded" {
					b.Fatal(v, ok)
				}
			}
			// Process CPU time per op: steadier than wall time on a
			// shared machine.
			if end := cputime.Process(); cpu > 0 && end > cpu {
				b.ReportMetric(float64(end-cpu)/float64(b.N), "cpu-ns/op")
			}
		})
	}
}
