package store

import (
	"context"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
)

// IdentityProvider is a district's OpenID Connect provider as stored. The
// client secret is kept as the auth package hands it over (sealed when the
// servers have a key encryption key) and is never answered through the API.
type IdentityProvider struct {
	DistrictID   string
	Issuer       string
	ClientID     string
	ClientSecret string
	Domains      []string
	Label        string
	LabelText    string
	PasswordsOff bool
	Rev          int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

type identityProviderRow struct {
	DistrictID   string `gorm:"primaryKey"`
	Issuer       string
	ClientID     string
	ClientSecret string
	Domains      string
	Label        string
	LabelText    string
	PasswordsOff bool
	Rev          int64
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

func (identityProviderRow) TableName() string { return "identity_providers" }

func (r identityProviderRow) toDomain() IdentityProvider {
	return IdentityProvider{DistrictID: r.DistrictID, Issuer: r.Issuer, ClientID: r.ClientID, ClientSecret: r.ClientSecret,
		Domains: decodeList(r.Domains), Label: r.Label, LabelText: r.LabelText, PasswordsOff: r.PasswordsOff, Rev: r.Rev,
		CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
}

type identityProviderDomainRow struct {
	Domain     string `gorm:"primaryKey"`
	DistrictID string
}

func (identityProviderDomainRow) TableName() string { return "identity_provider_domains" }

// IdentityProvider reads a district's identity provider; ENotFound when it
// has none.
func (s *Store) IdentityProvider(ctx context.Context, districtID string) (IdentityProvider, error) {
	return s.read(ctx).IdentityProvider(ctx, districtID)
}

// IdentityProvider reads a district's identity provider inside tx.
func (tx *Tx) IdentityProvider(ctx context.Context, districtID string) (IdentityProvider, error) {
	var row identityProviderRow
	if err := tx.db.Where("district_id = ?", districtID).Take(&row).Error; err != nil {
		return IdentityProvider{}, translate(err, "identity provider")
	}
	return row.toDomain(), nil
}

// IdentityProviderForDomain reads the identity provider that answers for an
// e-mail domain; ENotFound when none does.
func (s *Store) IdentityProviderForDomain(ctx context.Context, emailDomain string) (IdentityProvider, error) {
	var d identityProviderDomainRow
	tx := s.read(ctx)
	if err := tx.db.Where("domain = ?", emailDomain).Take(&d).Error; err != nil {
		return IdentityProvider{}, translate(err, "identity provider")
	}
	return tx.IdentityProvider(ctx, d.DistrictID)
}

// PutIdentityProvider creates (baseRev 0) or replaces (baseRev the stored
// revision) a district's identity provider and the domains it answers for.
// A stale baseRev is a conflict naming the current revision; a domain that
// another district's provider answers for is a conflict too.
func (tx *Tx) PutIdentityProvider(ctx context.Context, p IdentityProvider, baseRev int64) (IdentityProvider, error) {
	var old identityProviderRow
	err := tx.db.Where("district_id = ?", p.DistrictID).Take(&old).Error
	exists := err == nil
	if err != nil && domain.ErrorCode(translate(err, "")) != domain.ENotFound {
		return IdentityProvider{}, translate(err, "identity provider")
	}
	switch {
	case exists && old.Rev != baseRev:
		return IdentityProvider{}, domain.Stale("the identity provider", baseRev, old.Rev)
	case !exists && baseRev != 0:
		return IdentityProvider{}, domain.Stale("the identity provider", baseRev, 0)
	}
	row := identityProviderRow{DistrictID: p.DistrictID, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecret: p.ClientSecret,
		Domains: encodeList(p.Domains), Label: p.Label, LabelText: p.LabelText, PasswordsOff: p.PasswordsOff,
		Rev: baseRev + 1, CreatedAt: tx.now, UpdatedAt: tx.now}
	if exists {
		row.CreatedAt = old.CreatedAt
		res := tx.db.Model(&identityProviderRow{}).Where("district_id = ? AND rev = ?", p.DistrictID, baseRev).Updates(map[string]any{
			"issuer": row.Issuer, "client_id": row.ClientID, "client_secret": row.ClientSecret, "domains": row.Domains,
			"label": row.Label, "label_text": row.LabelText, "passwords_off": row.PasswordsOff, "rev": row.Rev, "updated_at": tx.now})
		if res.Error != nil {
			return IdentityProvider{}, translate(res.Error, "identity provider")
		}
		if res.RowsAffected != 1 {
			return IdentityProvider{}, domain.Stale("the identity provider", baseRev, baseRev+1)
		}
	} else if err := tx.db.Create(&row).Error; err != nil {
		return IdentityProvider{}, translate(err, "identity provider")
	}
	if err := tx.db.Where("district_id = ?", p.DistrictID).Delete(&identityProviderDomainRow{}).Error; err != nil {
		return IdentityProvider{}, translate(err, "identity provider domain")
	}
	for _, d := range p.Domains {
		if err := tx.db.Create(&identityProviderDomainRow{Domain: d, DistrictID: p.DistrictID}).Error; err != nil {
			if domain.ErrorCode(translate(err, "")) == domain.EConflict {
				return IdentityProvider{}, domain.Invalid("another district's identity provider answers for this domain",
					domain.FieldError{Field: "domains", Message: d + " is another district's domain"})
			}
			return IdentityProvider{}, translate(err, "identity provider domain")
		}
	}
	return row.toDomain(), nil
}

// DeleteIdentityProvider removes a district's identity provider and its
// domains; its users sign in with passwords again.
func (tx *Tx) DeleteIdentityProvider(ctx context.Context, districtID string) error {
	if err := tx.db.Where("district_id = ?", districtID).Delete(&identityProviderDomainRow{}).Error; err != nil {
		return translate(err, "identity provider domain")
	}
	res := tx.db.Where("district_id = ?", districtID).Delete(&identityProviderRow{})
	if res.Error != nil {
		return translate(res.Error, "identity provider")
	}
	if res.RowsAffected == 0 {
		return notFound("identity provider")
	}
	return nil
}

// SSORequest is an authorization request in flight: what the provider's
// answer must match. It is spent by its first use.
type SSORequest struct {
	StateHash   string
	DistrictID  string
	Nonce       string
	Verifier    string
	BindingHash string
	ExpiresAt   time.Time
	UsedAt      *time.Time
	CreatedAt   time.Time
}

type ssoRequestRow SSORequest

func (ssoRequestRow) TableName() string { return "sso_requests" }

// CreateSSORequest stores an authorization request, and drops requests
// that ended long ago.
func (tx *Tx) CreateSSORequest(ctx context.Context, r SSORequest) error {
	r.CreatedAt = tx.now
	if err := tx.db.Where("expires_at < ?", tx.now.Add(-time.Hour)).Delete(&ssoRequestRow{}).Error; err != nil {
		return translate(err, "sign-in request")
	}
	return translate(tx.db.Create((*ssoRequestRow)(&r)).Error, "sign-in request")
}

// ConsumeSSORequest spends the live request with this state hash in one
// conditional update, so that of two answers with one state exactly one
// wins. A spent, expired or unknown state is ENotFound.
func (tx *Tx) ConsumeSSORequest(ctx context.Context, stateHash string) (SSORequest, error) {
	res := tx.db.Model(&ssoRequestRow{}).Where("state_hash = ? AND used_at IS NULL AND expires_at > ?", stateHash, tx.now).
		Update("used_at", tx.now)
	if res.Error != nil {
		return SSORequest{}, translate(res.Error, "sign-in request")
	}
	if res.RowsAffected != 1 {
		return SSORequest{}, notFound("sign-in request")
	}
	var r ssoRequestRow
	if err := tx.db.Where("state_hash = ?", stateHash).Take(&r).Error; err != nil {
		return SSORequest{}, translate(err, "sign-in request")
	}
	return SSORequest(r), nil
}

// SSOHandoff is the single-use code the app exchanges for its session once
// the provider has vouched for the user.
type SSOHandoff struct {
	CodeHash   string
	DistrictID string
	UserID     string
	ExpiresAt  time.Time
	UsedAt     *time.Time
	CreatedAt  time.Time
}

type ssoHandoffRow SSOHandoff

func (ssoHandoffRow) TableName() string { return "sso_handoffs" }

// CreateSSOHandoff stores a hand-off code's hash, and drops codes that
// ended long ago.
func (tx *Tx) CreateSSOHandoff(ctx context.Context, h SSOHandoff) error {
	h.CreatedAt = tx.now
	if err := tx.db.Where("expires_at < ?", tx.now.Add(-time.Hour)).Delete(&ssoHandoffRow{}).Error; err != nil {
		return translate(err, "sign-in code")
	}
	return translate(tx.db.Create((*ssoHandoffRow)(&h)).Error, "sign-in code")
}

// ConsumeSSOHandoff spends the live hand-off code with this hash; a spent,
// expired or unknown code is ENotFound.
func (tx *Tx) ConsumeSSOHandoff(ctx context.Context, codeHash string) (SSOHandoff, error) {
	res := tx.db.Model(&ssoHandoffRow{}).Where("code_hash = ? AND used_at IS NULL AND expires_at > ?", codeHash, tx.now).
		Update("used_at", tx.now)
	if res.Error != nil {
		return SSOHandoff{}, translate(res.Error, "sign-in code")
	}
	if res.RowsAffected != 1 {
		return SSOHandoff{}, notFound("sign-in code")
	}
	var h ssoHandoffRow
	if err := tx.db.Where("code_hash = ?", codeHash).Take(&h).Error; err != nil {
		return SSOHandoff{}, translate(err, "sign-in code")
	}
	return SSOHandoff(h), nil
}
