package store

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// The cells of a dimension trend come in bucket order, then in the groups'
// ranks, whichever way order sorts them.
func TestDimensionCellsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name           string
		buckets, ranks int
		ngroup         int
	}{
		{"a year by week, school × dimension", 280, 305, 2},
		{"one group", 40, 300, 1},
		{"no group", 1000, 1, 0},
		{"too wide for one word", 1 << 23, 1 << 20, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &dimensionSums{ngroup: c.ngroup, index: map[uint64]int32{}}
			rank := make([]int32, c.ranks)
			for i := range rank {
				rank[i] = int32(i)
			}
			rng.Shuffle(len(rank), func(i, j int) { rank[i], rank[j] = rank[j], rank[i] })
			for range 5000 {
				id := cellID{bucket: 20000 + int32(rng.IntN(c.buckets))}
				for g := range c.ngroup {
					id.group[g] = int32(rng.IntN(c.ranks))
				}
				d.add(id, 1, 0, nil)
			}
			want := make([]int32, d.n)
			for i := range want {
				want[i] = int32(i)
			}
			key := func(i int32) [3]int32 {
				id := d.sum(i).id
				k := [3]int32{id.bucket}
				for g := range c.ngroup {
					k[g+1] = rank[id.group[g]]
				}
				return k
			}
			slices.SortFunc(want, func(a, b int32) int {
				ka, kb := key(a), key(b)
				return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
			})
			got := d.order(rank)
			for i := range got {
				if key(got[i]) != key(want[i]) {
					t.Fatalf("cell %d of %d: %v, want %v", i, len(got), key(got[i]), key(want[i]))
				}
			}
		})
	}
}
