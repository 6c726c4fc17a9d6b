package store

import (
	"context"
	"errors"
)

// DatabaseID is the random id the database was given when its schema was
// created (migration 00014). It never changes; a dump restored elsewhere or
// a copy of the SQLite file keeps it, a database built from scratch has
// another.
func (s *Store) DatabaseID(ctx context.Context) (string, error) {
	var id string
	err := s.db.WithContext(ctx).Raw("SELECT id FROM database_identity").Row().Scan(&id)
	if err != nil {
		return "", translate(err, "database identity")
	}
	if id == "" {
		return "", errors.New("store: the database identity is empty")
	}
	return id, nil
}
