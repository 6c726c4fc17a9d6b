package sync

import (
	"context"
	"testing"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/domain"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
	"github.com/walkthrough-edu/walkthrough/server/internal/testdb"
)

// A push waits while every writer is busy, gives up when its request
// does (unavailable, nothing applied: the device retries), and goes
// through as soon as a writer is free.
func TestPushWaitsForAWriter(t *testing.T) {
	svc := NewService(testdb.Open(t, store.SQLite), nil, nil, nil)
	if cap(svc.writers) < 2 {
		t.Fatalf("%d writers, want at least two", cap(svc.writers))
	}
	for range cap(svc.writers) {
		svc.writers <- struct{}{}
	}
	req := PushRequest{DeviceID: domain.NewID()}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if _, err := svc.Push(ctx, auth.Principal{}, req); domain.ErrorCode(err) != domain.EUnavailable {
		t.Fatalf("a push with every writer busy answered %v when its request ended, want unavailable", err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := svc.Push(context.Background(), auth.Principal{}, req)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("a push went through with every writer busy (%v)", err)
	case <-time.After(50 * time.Millisecond):
	}
	<-svc.writers
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("a push still waits with a writer free")
	}
	if len(svc.writers) != cap(svc.writers)-1 {
		t.Fatalf("%d writers busy after the push, want %d", len(svc.writers), cap(svc.writers)-1)
	}
}
