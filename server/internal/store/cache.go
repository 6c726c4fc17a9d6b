package store

import "time"

// txCache remembers, for one transaction, what does not change inside it.
type txCache struct {
	rubrics   map[string]rubricShape
	locations map[string]*time.Location
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
