package domain

import (
	"regexp"
	"strings"
	"time"
)

// Rubric is a district's instructional framework; its content lives in
// versions.
type Rubric struct {
	ID         string
	DistrictID string
	Name       string
	Main       bool // the district's main framework
	Retired    bool // takes no new observations
	Versions   []RubricVersionSummary
}

// RubricVersionSummary names one version without its content.
type RubricVersionSummary struct {
	ID          string
	Version     int
	Status      RubricStatus
	PublishedAt *time.Time
}

// RubricStatus is draft or published.
type RubricStatus string

// A published version never changes again.
const (
	RubricDraft     RubricStatus = "draft"
	RubricPublished RubricStatus = "published"
)

// RubricVersion is the content observers score against.
type RubricVersion struct {
	ID          string
	DistrictID  string
	RubricID    string
	Name        string
	Description string
	Version     int
	Status      RubricStatus
	PublishedAt *time.Time
	Levels      []Level
	Dimensions  []Dimension
	Rev         int64 // moves on with each edit of a draft and with publishing
}

// Level is one step of the rubric's scale.
type Level struct {
	Value int    `json:"value"`
	Label string `json:"label"`
}

// Dimension groups indicators, e.g. "Student engagement".
type Dimension struct {
	Key        string      `json:"key"`
	Name       string      `json:"name"`
	Indicators []Indicator `json:"indicators"`
}

// Indicator is a "look-for". Its Key stays the same across versions so that
// trends can follow it.
type Indicator struct {
	Key         string       `json:"key"`
	Name        string       `json:"name"`
	Descriptors []Descriptor `json:"descriptors"`
}

// Descriptor says what an indicator looks like at one level.
type Descriptor struct {
	Level int    `json:"level"`
	Text  string `json:"text"`
}

var keyPattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)

// ValidKey reports whether s may be a dimension or indicator key.
func ValidKey(s string) bool { return keyPattern.MatchString(s) }

// Validate checks the version's structure: unique keys, at least two levels
// in increasing order, and a descriptor for every indicator and level.
func (v RubricVersion) Validate() error {
	var p Problems
	if strings.TrimSpace(v.Name) == "" {
		p.Add("name", "must not be empty")
	}
	if len(v.Levels) < 2 {
		p.Add("levels", "a scale needs at least two levels")
	}
	levels := map[int]bool{}
	for i, l := range v.Levels {
		f := "levels[" + itoa(i) + "]"
		if i > 0 && l.Value <= v.Levels[i-1].Value {
			p.Add(f+".value", "levels must be in increasing order")
		}
		if l.Value < 0 || l.Value > 10 {
			p.Add(f+".value", "must be 0 to 10")
		}
		if strings.TrimSpace(l.Label) == "" {
			p.Add(f+".label", "must not be empty")
		}
		levels[l.Value] = true
	}
	if len(v.Dimensions) == 0 {
		p.Add("dimensions", "a rubric needs at least one dimension")
	}
	dimKeys, indKeys := map[string]bool{}, map[string]bool{}
	for i, d := range v.Dimensions {
		f := "dimensions[" + itoa(i) + "]"
		if !ValidKey(d.Key) {
			p.Add(f+".key", "must be lower-case letters, digits and underscores, starting with a letter")
		} else if dimKeys[d.Key] {
			p.Add(f+".key", "%q is used twice", d.Key)
		}
		dimKeys[d.Key] = true
		if strings.TrimSpace(d.Name) == "" {
			p.Add(f+".name", "must not be empty")
		}
		if len(d.Indicators) == 0 {
			p.Add(f+".indicators", "a dimension needs at least one indicator")
		}
		for j, ind := range d.Indicators {
			g := f + ".indicators[" + itoa(j) + "]"
			if !ValidKey(ind.Key) {
				p.Add(g+".key", "must be lower-case letters, digits and underscores, starting with a letter")
			} else if indKeys[ind.Key] {
				p.Add(g+".key", "%q is used twice", ind.Key)
			}
			indKeys[ind.Key] = true
			if strings.TrimSpace(ind.Name) == "" {
				p.Add(g+".name", "must not be empty")
			}
			seen := map[int]bool{}
			for k, desc := range ind.Descriptors {
				h := g + ".descriptors[" + itoa(k) + "]"
				if !levels[desc.Level] {
					p.Add(h+".level", "%d is not a level of the scale", desc.Level)
				} else if seen[desc.Level] {
					p.Add(h+".level", "level %d is described twice", desc.Level)
				}
				seen[desc.Level] = true
				if strings.TrimSpace(desc.Text) == "" {
					p.Add(h+".text", "must not be empty")
				}
			}
			for _, l := range v.Levels {
				if !seen[l.Value] {
					p.Add(g+".descriptors", "level %d (%s) has no descriptor", l.Value, l.Label)
				}
			}
		}
	}
	return p.Err("the rubric is not valid")
}

// Indicator returns the indicator with key and its dimension's key.
func (v RubricVersion) Indicator(key string) (Indicator, string, bool) {
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			if ind.Key == key {
				return ind, d.Key, true
			}
		}
	}
	return Indicator{}, "", false
}

// HasLevel reports whether value is on the scale.
func (v RubricVersion) HasLevel(value int) bool {
	for _, l := range v.Levels {
		if l.Value == value {
			return true
		}
	}
	return false
}

// IndicatorKeys lists every indicator key in order.
func (v RubricVersion) IndicatorKeys() []string {
	var keys []string
	for _, d := range v.Dimensions {
		for _, ind := range d.Indicators {
			keys = append(keys, ind.Key)
		}
	}
	return keys
}
