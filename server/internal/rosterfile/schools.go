package rosterfile

import "io"

// ParseSchools reads a schools file: external_id, name and, optionally,
// grade_band.
func ParseSchools(r io.Reader) Batch {
	var b Batch
	ids := seenAt{}
	_, err := readTable("", r, []string{"external_id", "name"}, &b, func(rec record) {
		c := rowCheck{b: &b, line: rec.line}
		s := School{Line: rec.line, ExternalID: rec.get("external_id"), Name: rec.get("name"), GradeBand: rec.get("grade_band")}
		checkExternalID(&c, ids, "external_id", s.ExternalID)
		if s.Name == "" {
			c.add("name", "is required")
		}
		if !c.bad {
			b.Schools = append(b.Schools, s)
		}
	})
	readFailed(&b, "", err)
	return b
}

// checkExternalID adds a problem when id is empty or was already used on an
// earlier line.
func checkExternalID(c *rowCheck, ids seenAt, field, id string) {
	if id == "" {
		c.add(field, "is required")
		return
	}
	if l, dup := ids.first(id, c.line); dup {
		c.add(field, "%q is already used on line %d", id, l)
	}
}

// readFailed records an error that stopped a file being read.
func readFailed(b *Batch, file string, err error) {
	if err != nil {
		b.problem(file, 0, "", "the file could not be read to the end: %v", err)
	}
}
