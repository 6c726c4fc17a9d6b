package testdb

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// PgBouncer starts Debian's PgBouncer in transaction mode in front of the
// PostgreSQL database at databaseURL, on a free port, with at most
// poolSize server connections to it, and stops it when the test ends. It
// answers the URL a server uses to reach the database through it:
// databaseURL's database and user on PgBouncer's port, with pgx's exec
// mode (statements are not prepared by name: a name prepared on one
// server connection is unknown on the next in transaction mode). As root,
// PgBouncer runs as the postgres user, since it refuses to run as root. A
// missing pgbouncer fails the test: nothing is skipped.
func PgBouncer(tb testing.TB, databaseURL string, poolSize int) string {
	tb.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		if _, err2 := os.Stat("/usr/sbin/pgbouncer"); err2 != nil {
			tb.Fatalf("PgBouncer is required for this test (Debian's pgbouncer package): %v", err)
		}
		bin = "/usr/sbin/pgbouncer"
	}
	u, err := url.Parse(databaseURL)
	if err != nil {
		tb.Fatal(err)
	}
	dbName := strings.TrimPrefix(u.Path, "/")
	dir, err := os.MkdirTemp("", "wt-pgbouncer-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	port := freePort(tb)
	host, pgPort := u.Hostname(), u.Port()
	if pgPort == "" {
		pgPort = "5432"
	}
	ini := fmt.Sprintf(`[databases]
%s = host=%s port=%s dbname=%s

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = trust
auth_file = %s
pool_mode = transaction
default_pool_size = %d
max_client_conn = 500
server_login_retry = 1
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, dbName, host, pgPort, dbName, port, filepath.Join(dir, "users.txt"), poolSize, filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	for name, text := range map[string]string{"pgbouncer.ini": ini, "users.txt": fmt.Sprintf("%q \"\"\n", u.User.Username())} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		runAs, err := user.Lookup("postgres")
		if err != nil {
			tb.Fatalf("tests run as root and there is no postgres user to run PgBouncer as: %v", err)
		}
		uid, _ := strconv.Atoi(runAs.Uid)
		gid, _ := strconv.Atoi(runAs.Gid)
		for _, p := range []string{dir, filepath.Join(dir, "pgbouncer.ini"), filepath.Join(dir, "users.txt")} {
			if err := os.Chown(p, uid, gid); err != nil {
				tb.Fatal(err)
			}
		}
		cmd = exec.Command("runuser", "-u", runAs.Username, "--", bin, filepath.Join(dir, "pgbouncer.ini"))
	} else {
		cmd = exec.Command(bin, filepath.Join(dir, "pgbouncer.ini"))
	}
	out, err := os.Create(filepath.Join(dir, "pgbouncer.out"))
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		tb.Fatalf("pgbouncer: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	// SIGTERM is PgBouncer's immediate shutdown; it is sent to PgBouncer
	// itself (by its pid file), not to runuser.
	tb.Cleanup(func() {
		if pid, err := os.ReadFile(filepath.Join(dir, "pgbouncer.pid")); err == nil {
			if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
				syscall.Kill(n, syscall.SIGTERM)
			}
		}
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if c, err := dialLocal(port); err == nil {
			c.Close()
			break
		}
		select {
		case err := <-done:
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			msg, _ := os.ReadFile(out.Name())
			tb.Fatalf("pgbouncer exited: %v\n%s\n%s", err, msg, log)
		default:
		}
		if time.Now().After(deadline) {
			tb.Fatalf("pgbouncer did not listen on port %d in time", port)
		}
	}
	q := u.Query()
	q.Set("default_query_exec_mode", "exec")
	return (&url.URL{Scheme: u.Scheme, User: u.User, Host: "127.0.0.1:" + strconv.Itoa(port), Path: u.Path, RawQuery: q.Encode()}).String()
}

func dialLocal(port int) (net.Conn, error) {
	return net.DialTimeout("tcp", "127.0.0.1:"+strconv.Itoa(port), time.Second)
}
