package rollup

import (
	"cmp"
	"math/bits"
	"slices"
	"strings"
	"time"
)

// CellID is a cell of a dimension trend: its bucket as days since 1970 and
// its group's values interned.
type CellID struct {
	Day   int32 // the bucket's first day
	Group [2]int32
}

// Day is t's day as days since 1970.
func Day(t time.Time) int32 { return int32(t.Unix() / 86400) }

// key packs the cell's id in one word for hashing, when it fits: a day
// number in 24 bits (1970 to the year 47000) and each group value's number
// in 20 (a million values).
func (id CellID) key() (uint64, bool) {
	fits := uint32(id.Day) < 1<<24 && uint32(id.Group[0]) < 1<<20 && uint32(id.Group[1]) < 1<<20
	return uint64(uint32(id.Day))<<40 | uint64(uint32(id.Group[0]))<<20 | uint64(uint32(id.Group[1])), fits
}

// Sums adds rollup periods into cells.
type Sums struct {
	whole  time.Time // every cell's bucket when the query is one bucket
	ngroup int
	names  map[string]int32
	values []string
	index  map[uint64]int32 // by CellID.key
	wide   map[CellID]int32 // the cells whose id does not fit a key
	// chunks hold the sums, sumChunk at a time, so that a large trend
	// never copies them to grow.
	chunks [][]dimensionSum
	n      int32
}

const sumChunk = 4096

type dimensionSum struct {
	id           CellID
	observations int64
	levels       [MaxLevel + 1]int64
}

// NewSums sums the periods of q, grouped by ngroup values.
func NewSums(q Query, ngroup int) *Sums {
	d := &Sums{ngroup: ngroup, names: map[string]int32{}, index: map[uint64]int32{}, wide: map[CellID]int32{}}
	if q.Whole {
		d.whole = time.Date(q.From.Year(), q.From.Month(), q.From.Day(), 0, 0, 0, 0, time.UTC)
	}
	return d
}

// Intern numbers a group value; looking up a []byte as a string key does
// not copy it.
func (d *Sums) Intern(v []byte) int32 {
	if i, ok := d.names[string(v)]; ok {
		return i
	}
	s := string(v)
	i := int32(len(d.values))
	d.values = append(d.values, s)
	d.names[s] = i
	return i
}

// Add adds a period's counts to its cell; levels[0] is level lo.
func (d *Sums) Add(id CellID, observations int64, lo int, levels []int64) {
	k, fits := id.key()
	var i int32
	var ok bool
	if fits {
		i, ok = d.index[k]
	} else {
		i, ok = d.wide[id]
	}
	if !ok {
		i = d.n
		d.n++
		if fits {
			d.index[k] = i
		} else {
			d.wide[id] = i
		}
		if i%sumChunk == 0 {
			d.chunks = append(d.chunks, make([]dimensionSum, sumChunk))
		}
		d.sum(i).id = id
	}
	c := d.sum(i)
	c.observations += observations
	for l, n := range levels {
		c.levels[lo+l] += n
	}
}

func (d *Sums) sum(i int32) *dimensionSum { return &d.chunks[i/sumChunk][i%sumChunk] }

// Cells is the sums in bucket order, then in the byte order of the group's
// values. A cell whose counts add up to nothing (a period in the rollups
// and its removal still in the deltas) is left out, as it is once the
// deltas are folded in.
func (d *Sums) Cells() []DimensionCell {
	byName := make([]int32, len(d.values))
	for i := range byName {
		byName[i] = int32(i)
	}
	slices.SortFunc(byName, func(a, b int32) int { return strings.Compare(d.values[a], d.values[b]) })
	rank := make([]int32, len(d.values))
	for r, i := range byName {
		rank[i] = int32(r)
	}
	order := slices.DeleteFunc(d.order(rank), func(i int32) bool {
		s := d.sum(i)
		return s.observations == 0 && !slices.ContainsFunc(s.levels[:], func(n int64) bool { return n != 0 })
	})
	out := make([]DimensionCell, len(order))
	groups := make([]string, len(order)*d.ngroup)
	for n, i := range order {
		s := d.sum(i)
		c := &out[n]
		c.Bucket = d.whole
		if d.whole.IsZero() {
			c.Bucket = time.Unix(int64(s.id.Day)*86400, 0).UTC()
		}
		c.Group = groups[n*d.ngroup : (n+1)*d.ngroup : (n+1)*d.ngroup]
		for g := range c.Group {
			c.Group[g] = d.values[s.id.Group[g]]
		}
		c.Observations, c.Levels = s.observations, s.levels
	}
	return out
}

// order is the sums' indexes in bucket order, then in the groups' ranks.
// When the bucket, the ranks and the index fit in one word (a year of days
// and a few hundred values take about 40 bits) it sorts the words, several
// times quicker than comparing the parts.
func (d *Sums) order(rank []int32) []int32 {
	ranks := func(id CellID) [3]int32 {
		k := [3]int32{id.Day}
		for g := range d.ngroup {
			k[g+1] = rank[id.Group[g]]
		}
		return k
	}
	order := make([]int32, d.n)
	if d.n == 0 {
		return order
	}
	lo, hi := d.sum(0).id.Day, d.sum(0).id.Day
	for i := range d.n {
		b := d.sum(i).id.Day
		lo, hi = min(lo, b), max(hi, b)
	}
	rankBits, indexBits := bits.Len32(uint32(len(rank))), bits.Len32(uint32(d.n))
	if bits.Len32(uint32(hi-lo))+d.ngroup*rankBits+indexBits <= 64 {
		words := make([]uint64, d.n)
		for i := range d.n {
			k := ranks(d.sum(i).id)
			w := uint64(k[0] - lo)
			for g := range d.ngroup {
				w = w<<rankBits | uint64(k[g+1])
			}
			words[i] = w<<indexBits | uint64(i)
		}
		slices.Sort(words)
		for n, w := range words {
			order[n] = int32(w & (1<<indexBits - 1))
		}
		return order
	}
	keys := make([][3]int32, d.n)
	for i := range order {
		order[i], keys[i] = int32(i), ranks(d.sum(int32(i)).id)
	}
	slices.SortFunc(order, func(a, b int32) int {
		ka, kb := keys[a], keys[b]
		return cmp.Or(cmp.Compare(ka[0], kb[0]), cmp.Compare(ka[1], kb[1]), cmp.Compare(ka[2], kb[2]))
	})
	return order
}
