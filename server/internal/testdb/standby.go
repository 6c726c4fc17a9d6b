package testdb

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// pgBin is where Debian keeps PostgreSQL 15's programs.
const pgBin = "/usr/lib/postgresql/15/bin"

// StandbyPair starts a PostgreSQL primary and a streaming standby of it,
// made with PostgreSQL's own tools (initdb, pg_basebackup, pg_ctl), in a
// temporary directory on two free ports, and stops both when the test
// ends. It answers their URLs. As root, the servers run as the postgres
// user, since PostgreSQL refuses to run as root. Anything that fails stops
// the test with the reason: nothing is skipped.
func StandbyPair(tb testing.TB) (primaryURL, standbyURL string) {
	tb.Helper()
	dir, err := os.MkdirTemp("", "wt-standby-")
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { os.RemoveAll(dir) })
	var runAs *user.User
	if os.Geteuid() == 0 {
		if runAs, err = user.Lookup("postgres"); err != nil {
			tb.Fatalf("tests run as root and there is no postgres user to run the standby's servers as: %v", err)
		}
		uid, _ := strconv.Atoi(runAs.Uid)
		gid, _ := strconv.Atoi(runAs.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			tb.Fatal(err)
		}
	}
	run := func(name string, args ...string) {
		tb.Helper()
		prog := filepath.Join(pgBin, name)
		var cmd *exec.Cmd
		if runAs != nil {
			cmd = exec.Command("runuser", append([]string{"-u", runAs.Username, "--", prog}, args...)...)
		} else {
			cmd = exec.Command(prog, args...)
		}
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			tb.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
		}
	}
	primary, standby := filepath.Join(dir, "primary"), filepath.Join(dir, "standby")
	pPort, sPort := freePort(tb), freePort(tb)
	run("initdb", "-D", primary, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	conf := fmt.Sprintf("\nport = %d\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nwal_level = replica\nmax_wal_senders = 4\nfsync = off\nshared_buffers = 32MB\n", pPort, dir)
	appendFile(tb, filepath.Join(primary, "postgresql.conf"), conf)
	appendFile(tb, filepath.Join(primary, "pg_hba.conf"), "\nhost replication all 127.0.0.1/32 trust\n")
	run("pg_ctl", "-D", primary, "-l", filepath.Join(dir, "primary.log"), "-w", "start")
	tb.Cleanup(func() { run("pg_ctl", "-D", primary, "-m", "immediate", "stop") })
	run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(pPort), "-U", "postgres", "-D", standby, "-R", "-X", "stream", "--no-sync")
	appendFile(tb, filepath.Join(standby, "postgresql.conf"), fmt.Sprintf("\nport = %d\n", sPort))
	run("pg_ctl", "-D", standby, "-l", filepath.Join(dir, "standby.log"), "-w", "start")
	tb.Cleanup(func() { run("pg_ctl", "-D", standby, "-m", "immediate", "stop") })

	primaryURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", pPort)
	standbyURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", sPort)
	db, err := sql.Open("pgx", standbyURL)
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var inRecovery bool
	if err := db.QueryRowContext(ctx, "SELECT pg_is_in_recovery()").Scan(&inRecovery); err != nil || !inRecovery {
		tb.Fatalf("the standby on port %d is not streaming from the primary: %v", sPort, err)
	}
	return primaryURL, standbyURL
}

func appendFile(tb testing.TB, name, text string) {
	tb.Helper()
	f, err := os.OpenFile(name, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString(text); err != nil {
		tb.Fatal(err)
	}
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
