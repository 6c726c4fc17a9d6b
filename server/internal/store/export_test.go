package store

import "context"

// Exec runs SQL as written, for tests of what the schema itself refuses;
// it answers the rows the statement touched.
func (s *Store) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	res := s.db.WithContext(ctx).Exec(q, args...)
	return res.RowsAffected, res.Error
}

// Count answers how many rows of a table belong to the district, whatever
// the schema's version.
func (s *Store) Count(ctx context.Context, table, districtID string) (int64, error) {
	var n int64
	err := s.db.WithContext(ctx).Table(table).Where("district_id = ?", districtID).Count(&n).Error
	return n, err
}

// MigrateDownTo rolls back every migration after version.
func (s *Store) MigrateDownTo(ctx context.Context, version int64) error {
	p, err := s.provider()
	if err != nil {
		return err
	}
	_, err = p.DownTo(ctx, version)
	return err
}
