package store

import (
	"context"
)

// SealedKey is an access-token signing key as the database keeps it: its
// kid and its private key sealed with a key the database never sees.
type SealedKey struct {
	KID    string
	Sealed []byte
}

type signingKeyRow struct {
	KID    string `gorm:"column:kid;primaryKey"`
	Sealed []byte
}

func (signingKeyRow) TableName() string { return "signing_keys" }

// SigningKeys lists every signing key, oldest kid first.
func (s *Store) SigningKeys(ctx context.Context) ([]SealedKey, error) {
	var rows []signingKeyRow
	if err := s.read(ctx).db.Order("kid").Find(&rows).Error; err != nil {
		return nil, translate(err, "signing key")
	}
	out := make([]SealedKey, len(rows))
	for i, r := range rows {
		out[i] = SealedKey{KID: r.KID, Sealed: r.Sealed}
	}
	return out, nil
}

// AddSigningKey stores a new signing key and removes the given older kids
// (keys retired long enough ago that no token they signed is still valid),
// in one transaction.
func (s *Store) AddSigningKey(ctx context.Context, k SealedKey, retire []string) error {
	return s.InTx(ctx, func(tx *Tx) error {
		if err := tx.db.Create(&signingKeyRow{KID: k.KID, Sealed: k.Sealed}).Error; err != nil {
			return translate(err, "signing key")
		}
		if len(retire) == 0 {
			return nil
		}
		return translate(tx.db.Where("kid IN ?", retire).Delete(&signingKeyRow{}).Error, "signing key")
	})
}
