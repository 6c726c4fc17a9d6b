package rollup

import (
	"cmp"
	"math/rand/v2"
	"slices"
	"testing"
)

// Each cell of a dimension trend is one sum, and the cells come in bucket
// order, then in the groups' ranks, whichever way order sorts them.
func TestDimensionCellsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, c := range []struct {
		name           string
		buckets, ranks int
		ngroup         int
		edge           bool // group values 0 to 7 and just past a packed key's 20 bits
	}{
		{"a year by week, school × dimension", 280, 305, 2, false},
		{"one group", 40, 300, 1, false},
		{"no group", 1000, 1, 0, false},
		{"too wide for one word", 1 << 23, 1 << 20, 2, false},
		// Packed, a value past 20 bits would give the same key as a value
		// below it beside the other group value plus one.
		{"values past a key's bits", 40, 1<<20 + 8, 2, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := &Sums{ngroup: c.ngroup, index: map[uint64]int32{}, wide: map[CellID]int32{}}
			rank := make([]int32, c.ranks)
			for i := range rank {
				rank[i] = int32(i)
			}
			rng.Shuffle(len(rank), func(i, j int) { rank[i], rank[j] = rank[j], rank[i] })
			added := map[CellID]int64{}
			for range 5000 {
				id := CellID{Day: 20000 + int32(rng.IntN(c.buckets))}
				for g := range c.ngroup {
					v := rng.IntN(c.ranks)
					if c.edge {
						v = rng.IntN(8) + rng.IntN(2)<<20
					}
					id.Group[g] = int32(v)
				}
				d.Add(id, 1, 0, nil)
				added[id]++
			}
			want := make([]int32, d.n)
			for i := range want {
				want[i] = int32(i)
			}
			key := func(i int32) [3]int32 {
				id := d.sum(i).id
				k := [3]int32{id.Day}
				for g := range c.ngroup {
					k[g+1] = rank[id.Group[g]]
				}
				return k
			}
			slices.SortFunc(want, func(a, b int32) int {
				ka, kb := key(a), key(b)
				return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
			})
			// Every cell is one sum, holding what was added to that cell.
			if int(d.n) != len(added) {
				t.Fatalf("%d sums for %d cells", d.n, len(added))
			}
			for i := range d.n {
				if s := d.sum(i); s.observations != added[s.id] {
					t.Fatalf("cell %v sums %d, %d were added", s.id, s.observations, added[s.id])
				}
			}
			got := d.order(rank)
			for i := range got {
				if key(got[i]) != key(want[i]) {
					t.Fatalf("cell %d of %d: %v, want %v", i, len(got), key(got[i]), key(want[i]))
				}
			}
		})
	}
}
