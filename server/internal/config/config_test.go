package config

import (
	"bytes"
	"errors"
	"flag"
	"log/slog"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoadDefaults(t *testing.T) {
	c, err := Load("serve", nil, env(nil), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != ":8080" || c.DataDir != "./data" || c.Dialect() != "sqlite" || !c.Demo || c.LogLevel != slog.LevelInfo {
		t.Fatalf("unexpected defaults: %+v", c)
	}
	if len(c.TrustedProxies) != 0 {
		t.Fatalf("trusted proxies must be none by default, got %v", c.TrustedProxies)
	}
}

func TestLoadEnvAndFlags(t *testing.T) {
	e := env(map[string]string{
		"WALKTHROUGH_ADDR":            ":9000",
		"WALKTHROUGH_DATABASE_URL":    "postgres://postgres@127.0.0.1/test",
		"WALKTHROUGH_LOG_LEVEL":       "debug",
		"WALKTHROUGH_TRUSTED_PROXIES": "10.0.0.0/8, 192.168.1.1",
		"WALKTHROUGH_ADMIN_EMAIL":     " Admin@Example.org ",
		"WALKTHROUGH_ADMIN_PASSWORD":  "correct horse battery",
	})
	c, err := Load("serve", []string{"--addr", "127.0.0.1:7000"}, e, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:7000" {
		t.Errorf("flag must win over env, got %q", c.Addr)
	}
	if c.Dialect() != "postgres" || c.Demo {
		t.Errorf("postgres must not load the demo by default: %+v", c)
	}
	if c.AdminEmail != "admin@example.org" {
		t.Errorf("admin email not normalised: %q", c.AdminEmail)
	}
	if c.LogLevel != slog.LevelDebug || len(c.TrustedProxies) != 2 {
		t.Errorf("unexpected: %+v", c)
	}
}

func TestLoadRefusesBadValues(t *testing.T) {
	e := env(map[string]string{
		"WALKTHROUGH_DATABASE_URL":    "mysql://x",
		"WALKTHROUGH_DEMO":            "perhaps",
		"WALKTHROUGH_LOG_LEVEL":       "loud",
		"WALKTHROUGH_TRUSTED_PROXIES": "not-an-ip",
		"WALKTHROUGH_ADMIN_EMAIL":     "a@b.org",
	})
	_, err := Load("serve", nil, e, &bytes.Buffer{})
	if err == nil {
		t.Fatal("bad settings were accepted")
	}
	for _, want := range []string{"WALKTHROUGH_DATABASE_URL", "WALKTHROUGH_DEMO", "WALKTHROUGH_LOG_LEVEL", "WALKTHROUGH_TRUSTED_PROXIES", "WALKTHROUGH_ADMIN_PASSWORD"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error does not name %s: %v", want, err)
		}
	}
}

func TestHelpNamesEverySetting(t *testing.T) {
	var out bytes.Buffer
	_, err := Load("serve", []string{"--help"}, env(nil), &out)
	if !errors.Is(err, flag.ErrHelp) {
		t.Fatalf("want ErrHelp, got %v", err)
	}
	for _, s := range settings {
		if !strings.Contains(out.String(), s.env) || !strings.Contains(out.String(), "-"+s.flag) {
			t.Errorf("help does not document %s / --%s", s.env, s.flag)
		}
	}
}

func TestChangeLogHorizon(t *testing.T) {
	c, err := Load("serve", nil, env(nil), &bytes.Buffer{})
	if err != nil || c.ChangeLogHorizon != 90*24*time.Hour {
		t.Fatalf("default horizon %s, %v", c.ChangeLogHorizon, err)
	}
	for v, want := range map[string]time.Duration{"60d": 60 * 24 * time.Hour, "2160h": 2160 * time.Hour, "1h": time.Hour, "90m": 90 * time.Minute} {
		c, err := Load("serve", nil, env(map[string]string{"WALKTHROUGH_CHANGE_LOG_HORIZON": v}), &bytes.Buffer{})
		if err != nil || c.ChangeLogHorizon != want {
			t.Errorf("%s: %s, %v", v, c.ChangeLogHorizon, err)
		}
	}
	for _, v := range []string{"59m", "0d", "-3d", "ninety days", "2.5d", "0"} {
		_, err := Load("serve", []string{"--change-log-horizon", v}, env(nil), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "WALKTHROUGH_CHANGE_LOG_HORIZON") {
			t.Errorf("%s was accepted: %v", v, err)
		}
	}
}

func TestLoadBlobURLAndAWSCredentials(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{
		"WALKTHROUGH_BLOB_URL":  "s3://photos/site?endpoint=http://minio:9000&region=eu-west-1",
		"AWS_ACCESS_KEY_ID":     "key",
		"AWS_SECRET_ACCESS_KEY": "secret",
		"AWS_SESSION_TOKEN":     "token",
		"AWS_REGION":            "us-east-2",
	}), &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if c.BlobURL != "s3://photos/site?endpoint=http://minio:9000&region=eu-west-1" {
		t.Errorf("blob url %q", c.BlobURL)
	}
	if c.S3 != (S3Credentials{AccessKey: "key", SecretKey: "secret", SessionToken: "token", Region: "us-east-2"}) {
		t.Errorf("credentials %+v", c.S3)
	}
	if c, err := Load("serve", nil, env(nil), &bytes.Buffer{}); err != nil || c.BlobURL != "" {
		t.Fatalf("attachments default to the data directory: %q %v", c.BlobURL, err)
	}
	for _, bad := range []map[string]string{
		{"WALKTHROUGH_BLOB_URL": "gs://photos"},
		{"WALKTHROUGH_BLOB_URL": "s3://?endpoint=minio:9000"},
		{"AWS_ACCESS_KEY_ID": "key-without-secret"},
	} {
		if _, err := Load("serve", nil, env(bad), &bytes.Buffer{}); err == nil {
			t.Errorf("%v must be refused", bad)
		}
	}
	_, err = Load("serve", nil, env(map[string]string{"WALKTHROUGH_BLOB_URL": "gs://key:hunter2@photos"}), &bytes.Buffer{})
	if err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("an error must not show the URL's password: %v", err)
	}
}

func TestLoadKeyEncryptionKey(t *testing.T) {
	c, err := Load("serve", nil, env(map[string]string{"WALKTHROUGH_KEY_ENCRYPTION_KEY": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}), &bytes.Buffer{})
	if err != nil || len(c.KeyEncryptionKey) != 32 || c.KeyEncryptionKey[31] != 31 {
		t.Fatalf("got %v %v", c.KeyEncryptionKey, err)
	}
	for _, bad := range []string{"not base64!", "AAECAwQFBgcICQoLDA0ODw=="} {
		_, err := Load("serve", nil, env(map[string]string{"WALKTHROUGH_KEY_ENCRYPTION_KEY": bad}), &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "WALKTHROUGH_KEY_ENCRYPTION_KEY") || strings.Contains(err.Error(), bad) {
			t.Errorf("%q must be refused without being repeated: %v", bad, err)
		}
	}
}
