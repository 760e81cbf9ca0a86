package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMeasure(t *testing.T) {
	for _, tc := range []struct {
		dir                                  string
		files, edges, levels, upward, cyclic int
	}{
		// a uses b and c, b uses c; c's field B is not b.go's B.
		{"testdata/layered", 3, 3, 3, 0, 0},
		// x and y use each other (one group, two upward uses) above z.
		{"testdata/cycle", 3, 3, 2, 2, 2},
	} {
		t.Run(tc.dir, func(t *testing.T) {
			r, err := measure(tc.dir, false)
			require.NoError(t, err)
			assert.Equal(t, []int{tc.files, tc.edges, tc.levels, tc.upward, tc.cyclic},
				[]int{r.files, r.edges, r.levels, r.upward, r.cyclic}, r.listing)
		})
	}
	_, err := measure(t.TempDir(), false)
	assert.ErrorContains(t, err, "no Go files")
}
