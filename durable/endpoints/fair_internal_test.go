package endpoints

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestAppVolumeTiers(t *testing.T) {
	var v appVolume
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	assert.Equal(t, 1, v.add(t0, "a", 99), "below the first tier")
	assert.Equal(t, 2, v.add(t0, "a", 1), "100 in the window")
	assert.Equal(t, 3, v.add(t0, "a", 900))
	assert.Equal(t, 4, v.add(t0, "a", 9_000))
	assert.Equal(t, 4, v.add(t0, "a", 1_000_000), "no tier below 4")
	assert.Equal(t, 1, v.add(t0, "b", 1), "each application counts its own")
	assert.Equal(t, 2, v.add(t0, "c", 500), "a publish counts its own deliveries")
}

func TestAppVolumeDecays(t *testing.T) {
	var v appVolume
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	v.add(t0, "a", 2_002)
	// The next window counts the previous one in proportion.
	assert.Equal(t, 3, v.add(t0.Add(volumeWindow), "a", 0), "all of the previous window")
	assert.Equal(t, 3, v.add(t0.Add(volumeWindow*3/2), "a", 0), "half of 2,002")
	assert.Equal(t, 2, v.add(t0.Add(volumeWindow*19/10), "a", 0), "a tenth of it")
	// The window after: the 2,002 are out of it.
	assert.Equal(t, 1, v.add(t0.Add(2*volumeWindow), "a", 0))

	v.add(t0, "b", 5_000)
	assert.Equal(t, 1, v.add(t0.Add(time.Hour), "b", 1), "idle: forgotten")
	assert.Equal(t, 1, v.add(t0, "b", 1), "a clock set back starts afresh")
}

func TestAppVolumeBounded(t *testing.T) {
	var v appVolume
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for i := range volumeApps + 10 {
		v.add(t0, fmt.Sprint("app", i), 1)
	}
	assert.Len(t, v.cur, volumeApps)
	assert.Equal(t, 1, v.add(t0, "late", 99), "an application beyond the bound is not counted")
	assert.Equal(t, 1, v.add(t0, "late", 99))
	assert.Equal(t, 2, v.add(t0, "app0", 99), "one within it is")
	// A window later, only the applications that published in the
	// previous window are kept, and two windows later none.
	v.add(t0.Add(volumeWindow), "app0", 1)
	assert.Len(t, v.cur, 1)
	assert.Len(t, v.prev, volumeApps)
	v.add(t0.Add(3*volumeWindow), "app0", 1)
	assert.Len(t, v.cur, 1)
	assert.Empty(t, v.prev)
}

// BenchmarkAppVolume is the cost the fair order adds to each Publish,
// from every core at once, over 1,000 applications.
func BenchmarkAppVolume(b *testing.B) {
	var v appVolume
	apps := make([]string, 1000)
	for i := range apps {
		apps[i] = fmt.Sprint("app", i)
	}
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			v.add(time.Now(), apps[i%len(apps)], 100)
			i++
		}
	})
}
