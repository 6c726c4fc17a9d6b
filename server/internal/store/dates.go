package store

import "time"

// dateOnly keeps the calendar day of t as midnight UTC.
func dateOnly(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// anyTime reads a time an aggregate returned: PostgreSQL gives a time,
// SQLite the text it stored.
func anyTime(v any) *time.Time {
	switch t := v.(type) {
	case time.Time:
		u := t.UTC()
		return &u
	case string:
		for _, layout := range []string{"2006-01-02 15:04:05.999999999-07:00", time.RFC3339Nano} {
			if p, err := time.Parse(layout, t); err == nil {
				u := p.UTC()
				return &u
			}
		}
	case []byte:
		return anyTime(string(t))
	}
	return nil
}
