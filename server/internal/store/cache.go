package store

import (
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
