package store

import (
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// txCache remembers, for one transaction, what does not change inside it.
type txCache struct {
	rubrics   map[string]rubricShape
	locations map[string]*time.Location
	versions  map[string]domain.RubricVersion // published versions only
}

func (c *txCache) setVersion(v domain.RubricVersion) {
	if c.versions == nil {
		c.versions = map[string]domain.RubricVersion{}
	}
	c.versions[v.ID] = v
}

func (c *txCache) setRubric(id string, sh rubricShape) {
	if c.rubrics == nil {
		c.rubrics = map[string]rubricShape{}
	}
	c.rubrics[id] = sh
}

func (c *txCache) setLocation(id string, loc *time.Location) {
	if c.locations == nil {
		c.locations = map[string]*time.Location{}
	}
	c.locations[id] = loc
}
