package mail

import (
	"context"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// mailboxSize is how many of the newest messages the mailbox shows.
const mailboxSize = 500

// Mailbox lists the district's messages delivered to the development
// mailbox, newest first, for its administrators.
func (s *Service) Mailbox(ctx context.Context, p auth.Principal) ([]store.Message, error) {
	if err := p.RequireAdmin(); err != nil {
		return nil, err
	}
	return s.store.Messages(ctx, p.DistrictID(), Mailbox, mailboxSize)
}

// MailboxMessage is one message of the district's development mailbox.
func (s *Service) MailboxMessage(ctx context.Context, p auth.Principal, id string) (store.Message, error) {
	if err := p.RequireAdmin(); err != nil {
		return store.Message{}, err
	}
	return s.store.DistrictMessage(ctx, p.DistrictID(), id, Mailbox)
}
