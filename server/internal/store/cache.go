package store

import (
	gosync "sync"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/rollup"
)

// txCache remembers, for one transaction, what does not change inside it.
type txCache struct {
	rubrics   map[string]rollup.Rubric
	locations map[string]*time.Location
	versions  map[string]domain.RubricVersion // published versions only
}

func (c *txCache) setVersion(v domain.RubricVersion) {
	if c.versions == nil {
		c.versions = map[string]domain.RubricVersion{}
	}
	c.versions[v.ID] = v
}

func (c *txCache) setRubric(id string, sh rollup.Rubric) {
	if c.rubrics == nil {
		c.rubrics = map[string]rollup.Rubric{}
	}
	c.rubrics[id] = sh
}

func (c *txCache) setLocation(id string, loc *time.Location) {
	if c.locations == nil {
		c.locations = map[string]*time.Location{}
	}
	c.locations[id] = loc
}

// publishedVersions remembers published rubric versions across pushes: a
// published version never changes, so a push need not read its levels,
// dimensions, indicators and descriptors again. It holds at most
// maxPublishedVersions, and starts afresh when full.
type publishedVersions struct {
	mu       gosync.Mutex
	versions map[string]domain.RubricVersion
}

const maxPublishedVersions = 1000

func (c *publishedVersions) get(id string) (domain.RubricVersion, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.versions[id]
	return v, ok
}

func (c *publishedVersions) put(v domain.RubricVersion) {
	if v.Status != domain.RubricPublished {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.versions == nil || len(c.versions) >= maxPublishedVersions {
		c.versions = map[string]domain.RubricVersion{}
	}
	c.versions[v.ID] = v
}

// rollupRubric is what the rollups need of a published version: its
// rubric and each indicator's dimension.
func rollupRubricOf(v domain.RubricVersion) rollup.Rubric {
	r := rollup.Rubric{ID: v.RubricID, Dimension: map[string]string{}}
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			r.Dimension[ind.Key] = d.Key
		}
	}
	return r
}
