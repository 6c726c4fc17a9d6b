// Package config holds the server's settings and loads them from flags and
// WALKTHROUGH_* environment variables. Nothing else reads the environment.
package config

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/netip"
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
	{"demo", "WALKTHROUGH_DEMO", "", "load the demo district into an empty database (default true on SQLite, false on PostgreSQL)"},
	{"admin-email", "WALKTHROUGH_ADMIN_EMAIL", "", "first district administrator's email, used on an empty database"},
	{"admin-password", "WALKTHROUGH_ADMIN_PASSWORD", "", "first district administrator's password (at least 10 characters)"},
	{"base-url", "WALKTHROUGH_BASE_URL", "http://localhost:8080", "public URL of this server, used in links such as calendar feeds"},
	{"log-level", "WALKTHROUGH_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"trusted-proxies", "WALKTHROUGH_TRUSTED_PROXIES", "", "comma-separated CIDRs of proxies whose X-Forwarded-For is believed (none by default)"},
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
		Addr:          *values["addr"],
		DataDir:       *values["data-dir"],
		DatabaseURL:   *values["database-url"],
		AdminEmail:    strings.ToLower(strings.TrimSpace(*values["admin-email"])),
		AdminPassword: *values["admin-password"],
		BaseURL:       strings.TrimRight(*values["base-url"], "/"),
		Dev:           *dev,
		LogFormat:     "json",
	}
	if c.Dev {
		c.LogFormat = "text"
	}
	var errs []error
	if c.DatabaseURL != "" && !IsPostgresURL(c.DatabaseURL) {
		errs = append(errs, errors.New("WALKTHROUGH_DATABASE_URL must be empty or start with postgres://"))
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
	if h, err := parseHorizon(*values["change-log-horizon"]); err != nil {
		errs = append(errs, fmt.Errorf("WALKTHROUGH_CHANGE_LOG_HORIZON: %w", err))
	} else {
		c.ChangeLogHorizon = h
	}
	return c, errors.Join(errs...)
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
