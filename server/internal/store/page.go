package store

import (
	"strings"

	"gorm.io/gorm"
)

// Keyset asks for one page of a list in the list's order: the rows after
// the sort key After, as the list's key function wrote it for the last row
// of the previous page (nil: from the first row), at most Limit of them
// (0: every row).
type Keyset struct {
	After []string
	Limit int
}

// apply orders q by cols (each a column, "DESC" after it for a descending
// one), keeps the rows after k.After in that order and applies the limit.
// The last column must be unique (the id), so the order is total.
func (k Keyset) apply(q *gorm.DB, cols ...string) *gorm.DB {
	if len(k.After) == len(cols) {
		var or []string
		var args []any
		for i, col := range cols {
			var and []string
			for j := range i {
				and = append(and, column(cols[j])+" = ?")
				args = append(args, k.After[j])
			}
			name, desc := strings.CutSuffix(col, " DESC")
			op := " > ?"
			if desc {
				op = " < ?"
			}
			and = append(and, name+op)
			args = append(args, k.After[i])
			or = append(or, "("+strings.Join(and, " AND ")+")")
		}
		q = q.Where("("+strings.Join(or, " OR ")+")", args...)
	}
	q = q.Order(strings.Join(cols, ", "))
	if k.Limit > 0 {
		q = q.Limit(k.Limit)
	}
	return q
}

func column(col string) string {
	name, _ := strings.CutSuffix(col, " DESC")
	return name
}
