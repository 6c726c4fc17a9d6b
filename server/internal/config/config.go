// Package config holds the server's settings and loads them from flags and
// WALKTHROUGH_* environment variables. Nothing else reads the environment.
package config

import (
	"encoding/base64"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of `walkthrough serve` and the other subcommands.
type Config struct {
	Addr           string // listen address
	DataDir        string // SQLite file, signing keys, attachments
	DatabaseURL    string // empty: SQLite in DataDir; postgres://… : PostgreSQL
	Demo           bool   // load the demo district into an empty database
	AdminEmail     string // first district administrator, on an empty database
	AdminPassword  string //
	BaseURL        string // the public URL, for links such as calendar feeds
	LogLevel       slog.Level
	LogFormat      string   // json or text
	TrustedProxies []string // CIDRs whose X-Forwarded-For is believed
	Dev            bool     // development mode: Gin debug mode, text logs
	// ChangeLogHorizon is how long the change log keeps tombstones: a device
	// away longer takes a fresh snapshot.
	ChangeLogHorizon time.Duration
	// BlobURL is where attachments are kept: empty for the data directory,
	// s3://bucket[/prefix]?endpoint=…&region=… for an S3-compatible bucket.
	BlobURL string
	// SMTPURL is the mail server: smtp://user:pass@host:port?from=…; empty
	// keeps messages in the development mailbox in the database.
	SMTPURL string
	// S3 is how to sign in to an s3:// BlobURL that carries no keys of its
	// own: the standard AWS_* variables.
	S3 S3Credentials
	// KeyEncryptionKey, when set, keeps the access-token signing keys in
	// the database, sealed with it, so that every replica shares them;
	// otherwise they are files in DataDir/keys.
	KeyEncryptionKey []byte
	// ShutdownDelay is how long a stopping server stays out of readiness
	// while still serving, before it finishes in-flight requests and stops:
	// time for a load balancer to stop sending it requests.
	ShutdownDelay time.Duration
	// ReadDatabaseURL is a streaming standby of the PostgreSQL primary that
	// serves trends, dashboards and exports; empty reads everything from
	// the primary.
	ReadDatabaseURL string
}

// S3Credentials are the standard AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_SESSION_TOKEN and AWS_REGION.
type S3Credentials struct {
	AccessKey, SecretKey, SessionToken, Region string
}

// MinChangeLogHorizon is the shortest change-log horizon accepted.
const MinChangeLogHorizon = time.Hour

// Dialect is "postgres" or "sqlite".
func (c Config) Dialect() string {
	if IsPostgresURL(c.DatabaseURL) {
		return "postgres"
	}
	return "sqlite"
}

// SQLitePath is the database file used when no database URL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "walkthrough.db") }

// IsPostgresURL reports whether u names a PostgreSQL database.
func IsPostgresURL(u string) bool {
	return strings.HasPrefix(u, "postgres://") || strings.HasPrefix(u, "postgresql://")
}

type setting struct {
	flag, env, def, usage string
}

var settings = []setting{
	{"addr", "WALKTHROUGH_ADDR", ":8080", "listen address"},
	{"data-dir", "WALKTHROUGH_DATA_DIR", "./data", "directory for the SQLite file, signing keys and attachments"},
	{"database-url", "WALKTHROUGH_DATABASE_URL", "", "empty for SQLite walkthrough.db in the data directory, or postgres://user@host:5432/db"},
	{"read-database-url", "WALKTHROUGH_READ_DATABASE_URL", "", "a streaming standby of the PostgreSQL database (postgres://…) for trends, dashboards and exports; a user's reads stay on the primary until the standby has their last write"},
	{"demo", "WALKTHROUGH_DEMO", "", "load the demo district into an empty database (default true on SQLite, false on PostgreSQL)"},
	{"admin-email", "WALKTHROUGH_ADMIN_EMAIL", "", "first district administrator's email, used on an empty database"},
	{"admin-password", "WALKTHROUGH_ADMIN_PASSWORD", "", "first district administrator's password (at least 10 characters)"},
	{"base-url", "WALKTHROUGH_BASE_URL", "http://localhost:8080", "public URL of this server, used in links such as calendar feeds"},
	{"log-level", "WALKTHROUGH_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"trusted-proxies", "WALKTHROUGH_TRUSTED_PROXIES", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed (none by default)"},
	{"smtp-url", "WALKTHROUGH_SMTP_URL", "", "the mail server, smtp://user:password@host:port?from=address[&tls=opportunistic|mandatory|none] (smtps:// for TLS from the start); empty keeps messages in the development mailbox that district administrators read in the app"},
	{"blob-url", "WALKTHROUGH_BLOB_URL", "", "where attachments are kept: empty for the data directory, or s3://bucket[/prefix]?endpoint=host:port&region=… for an S3-compatible bucket (keys from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or in the URL)"},
	{"key-encryption-key", "WALKTHROUGH_KEY_ENCRYPTION_KEY", "", "32 random bytes in base64 (openssl rand -base64 32): keeps the signing keys in the database, sealed with it, shared by every replica; empty keeps them in the data directory"},
	{"shutdown-delay", "WALKTHROUGH_SHUTDOWN_DELAY", "0s", "on SIGTERM, how long to answer /readyz with 503 while still serving, before stopping (behind a load balancer: longer than its readiness checks take to notice, e.g. 10s)"},
	{"change-log-horizon", "WALKTHROUGH_CHANGE_LOG_HORIZON", "90d", "how long the change log keeps deletions for devices that were away, in days (90d) or as a Go duration (2160h); at least 1h"},
}

// Load reads the settings: a flag wins over its environment variable, which
// wins over the default. It returns flag.ErrHelp after printing usage to out
// when asked for help.
func Load(name string, args []string, getenv func(string) string, out io.Writer) (Config, error) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	values := make(map[string]*string, len(settings))
	for _, s := range settings {
		def := s.def
		if v := getenv(s.env); v != "" {
			def = v
		}
		values[s.flag] = fs.String(s.flag, def, s.usage+" ($"+s.env+")")
	}
	dev := fs.Bool("dev", false, "development mode: Gin debug mode and text logs")
	fs.Usage = func() {
		fmt.Fprintf(out, "Usage: walkthrough %s [flags]\n\nEvery flag can also be set by the environment variable named after it.\n\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return Config{}, err
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}

	c := Config{
		Addr:            *values["addr"],
		DataDir:         *values["data-dir"],
		DatabaseURL:     *values["database-url"],
		ReadDatabaseURL: *values["read-database-url"],
		AdminEmail:      strings.ToLower(strings.TrimSpace(*values["admin-email"])),
		AdminPassword:   *values["admin-password"],
		BaseURL:         strings.TrimRight(*values["base-url"], "/"),
		Dev:             *dev,
		LogFormat:       "json",
		BlobURL:         strings.TrimSpace(*values["blob-url"]),
		SMTPURL:         strings.TrimSpace(*values["smtp-url"]),
		S3: S3Credentials{
			AccessKey:    getenv("AWS_ACCESS_KEY_ID"),
			SecretKey:    getenv("AWS_SECRET_ACCESS_KEY"),
			SessionToken: getenv("AWS_SESSION_TOKEN"),
			Region:       getenv("AWS_REGION"),
		},
	}
	if c.Dev {
		c.LogFormat = "text"
	}
	var errs []error
	if c.DatabaseURL != "" && !IsPostgresURL(c.DatabaseURL) {
		errs = append(errs, errors.New("WALKTHROUGH_DATABASE_URL must be empty or start with postgres://"))
	}
	if c.ReadDatabaseURL != "" && (!IsPostgresURL(c.ReadDatabaseURL) || !IsPostgresURL(c.DatabaseURL)) {
		errs = append(errs, errors.New("WALKTHROUGH_READ_DATABASE_URL must start with postgres:// and needs a PostgreSQL WALKTHROUGH_DATABASE_URL"))
	}
	if c.DataDir == "" {
		errs = append(errs, errors.New("WALKTHROUGH_DATA_DIR must not be empty"))
	}
	c.Demo = c.Dialect() == "sqlite"
	if v := *values["demo"]; v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("WALKTHROUGH_DEMO must be true or false, not %q", v))
		}
		c.Demo = b
	}
	if err := c.LogLevel.UnmarshalText([]byte(*values["log-level"])); err != nil {
		errs = append(errs, fmt.Errorf("WALKTHROUGH_LOG_LEVEL must be debug, info, warn or error, not %q", *values["log-level"]))
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		errs = append(errs, errors.New("WALKTHROUGH_ADMIN_EMAIL and WALKTHROUGH_ADMIN_PASSWORD go together: set both or neither"))
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 10 {
		errs = append(errs, errors.New("WALKTHROUGH_ADMIN_PASSWORD must be at least 10 characters"))
	}
	for _, p := range strings.Split(*values["trusted-proxies"], ",") {
		p = strings.TrimSpace(p)
		if p == "" {
			continue
		}
		if _, err := netip.ParsePrefix(p); err != nil {
			if _, err := netip.ParseAddr(p); err != nil {
				errs = append(errs, fmt.Errorf("WALKTHROUGH_TRUSTED_PROXIES: %q is not an address or CIDR", p))
				continue
			}
		}
		c.TrustedProxies = append(c.TrustedProxies, p)
	}
	if err := checkBlobURL(c.BlobURL); err != nil {
		errs = append(errs, fmt.Errorf("WALKTHROUGH_BLOB_URL: %w", err))
	}
	if (c.S3.AccessKey == "") != (c.S3.SecretKey == "") {
		errs = append(errs, errors.New("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY go together: set both or neither"))
	}
	if v := strings.TrimSpace(*values["key-encryption-key"]); v != "" {
		b, err := base64.StdEncoding.DecodeString(v)
		if err != nil || len(b) != 32 {
			errs = append(errs, errors.New("WALKTHROUGH_KEY_ENCRYPTION_KEY must be 32 bytes in base64, such as the output of: openssl rand -base64 32"))
		}
		c.KeyEncryptionKey = b
	}
	if d, err := time.ParseDuration(*values["shutdown-delay"]); err != nil || d < 0 || d > 5*time.Minute {
		errs = append(errs, fmt.Errorf("WALKTHROUGH_SHUTDOWN_DELAY must be a duration from 0s to 5m, such as 10s, not %q", *values["shutdown-delay"]))
	} else {
		c.ShutdownDelay = d
	}
	if h, err := parseHorizon(*values["change-log-horizon"]); err != nil {
		errs = append(errs, fmt.Errorf("WALKTHROUGH_CHANGE_LOG_HORIZON: %w", err))
	} else {
		c.ChangeLogHorizon = h
	}
	return c, errors.Join(errs...)
}

// checkBlobURL accepts an empty location, a directory (a path or file://)
// or an s3:// URL naming a bucket; the blob package reads the rest.
func checkBlobURL(v string) error {
	switch {
	case v == "", strings.HasPrefix(v, "file://"):
		return nil
	case strings.HasPrefix(v, "s3://"):
		u, err := url.Parse(v)
		if err != nil {
			return fmt.Errorf("%q is not a URL: %w", redactURL(v), err)
		}
		if u.Host == "" {
			return fmt.Errorf("%q names no bucket (s3://bucket?endpoint=…)", redactURL(v))
		}
		return nil
	case strings.Contains(v, "://"):
		return fmt.Errorf("%q is neither a directory nor an s3:// URL", redactURL(v))
	}
	return nil
}

// redactURL hides the password of a URL in an error message.
func redactURL(v string) string {
	if u, err := url.Parse(v); err == nil {
		return u.Redacted()
	}
	return "(a URL that cannot be read)"
}

// parseHorizon reads a whole number of days ("90d") or a Go duration
// ("2160h") of at least MinChangeLogHorizon.
func parseHorizon(v string) (time.Duration, error) {
	var d time.Duration
	if days, ok := strings.CutSuffix(v, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 100*365 {
			return 0, fmt.Errorf("%q is not a number of days such as 90d", v)
		}
		d = time.Duration(n) * 24 * time.Hour
	} else {
		var err error
		if d, err = time.ParseDuration(v); err != nil {
			return 0, fmt.Errorf("%q is not a duration such as 90d or 2160h", v)
		}
	}
	if d < MinChangeLogHorizon {
		return 0, fmt.Errorf("%q is shorter than the least allowed, %s", v, MinChangeLogHorizon)
	}
	return d, nil
}
