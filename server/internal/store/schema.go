package store

import (
	"context"
	"sort"
)

// SchemaColumns lists every table of the schema (goose's own excluded) with
// its column names, sorted, so that the two dialects can be compared.
func (s *Store) SchemaColumns(ctx context.Context) (map[string][]string, error) {
	type col struct{ Table, Column string }
	var cols []col
	var err error
	db := s.db.WithContext(ctx)
	if s.dialect == Postgres {
		err = db.Raw(`SELECT table_name AS "table", column_name AS "column" FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name NOT IN ('goose_db_version', 'goose_lock')`).Scan(&cols).Error
	} else {
		err = db.Raw(`SELECT m.name AS "table", p.name AS "column" FROM sqlite_master m JOIN pragma_table_info(m.name) p
			WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name <> 'goose_db_version'`).Scan(&cols).Error
	}
	if err != nil {
		return nil, translate(err, "schema")
	}
	out := map[string][]string{}
	for _, c := range cols {
		out[c.Table] = append(out[c.Table], c.Column)
	}
	for _, v := range out {
		sort.Strings(v)
	}
	return out, nil
}
