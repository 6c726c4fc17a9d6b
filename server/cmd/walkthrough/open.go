package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/walkthrough-edu/walkthrough/server/internal/auth"
	"github.com/walkthrough-edu/walkthrough/server/internal/blob"
	"github.com/walkthrough-edu/walkthrough/server/internal/config"
	"github.com/walkthrough-edu/walkthrough/server/internal/jobs"
	"github.com/walkthrough-edu/walkthrough/server/internal/store"
)

// errHelp means usage was printed on request: not a failure.
var errHelp = flag.ErrHelp

// loadConfig reads the settings, treating --help as success.
func loadConfig(name string, args []string, getenv func(string) string, stdout io.Writer) (config.Config, error) {
	return config.Load(name, args, getenv, stdout)
}

func newLogger(c config.Config, w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: c.LogLevel}
	if c.LogFormat == "text" {
		return slog.New(slog.NewTextHandler(w, opts))
	}
	return slog.New(slog.NewJSONHandler(w, opts))
}

func openStore(ctx context.Context, c config.Config, log *slog.Logger) (*store.Store, error) {
	if c.Dialect() == store.SQLite {
		if err := os.MkdirAll(c.DataDir, 0o700); err != nil {
			return nil, err
		}
	}
	return store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, StandbyURL: c.ReadDatabaseURL, SQLitePath: c.SQLitePath(), Logger: log})
}

// jobsDatabase is where the job queue keeps its jobs: the server's own
// database.
func jobsDatabase(c config.Config) jobs.Database {
	if c.Dialect() == store.SQLite {
		return jobs.Database{SQLitePath: c.SQLitePath()}
	}
	return jobs.Database{DatabaseURL: c.DatabaseURL}
}

// openBlobs opens the attachments' store that the configuration names:
// the data directory by default, or an S3-compatible bucket.
func openBlobs(ctx context.Context, c config.Config, location string) (blob.Store, error) {
	creds := blob.S3Config{AccessKey: c.S3.AccessKey, SecretKey: c.S3.SecretKey, SessionToken: c.S3.SessionToken, Region: c.S3.Region}
	return blob.OpenURL(ctx, location, c.DataDir, creds)
}

// openKeyring opens the access-token signing keys: in the database, shared
// by every replica, when a key encryption key is configured; otherwise in
// the data directory's keys/ (or a Secret mounted there).
func openKeyring(ctx context.Context, c config.Config, s *store.Store) (*auth.Keyring, error) {
	if len(c.KeyEncryptionKey) > 0 {
		return auth.LoadOrCreateSharedKeyring(ctx, s, c.KeyEncryptionKey, time.Now)
	}
	return auth.LoadOrCreateKeyring(filepath.Join(c.DataDir, "keys"))
}

func isHelp(err error) bool { return errors.Is(err, errHelp) }
