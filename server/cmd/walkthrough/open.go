package main

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"os"

	"github.com/walkthrough-edu/walkthrough/server/internal/config"
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
	return store.Open(ctx, store.Options{DatabaseURL: c.DatabaseURL, SQLitePath: c.SQLitePath(), Logger: log})
}

func isHelp(err error) bool { return errors.Is(err, errHelp) }
