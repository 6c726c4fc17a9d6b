package store

import "context"

// Exec runs SQL as written, for tests of what the schema itself refuses;
// it answers the rows the statement touched.
func (s *Store) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res := s.db.WithContext(ctx).Exec(q, args...)
	return res.RowsAffected, res.Error
}
