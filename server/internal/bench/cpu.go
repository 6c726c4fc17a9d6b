package bench

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
)

// ProcessCPU reads the processor time a process of this machine has used
// so far, user and system, from /proc.
func ProcessCPU(pid int) (time.Duration, error) {
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The fields after the command's name, which ends with ") ".
	_, rest, ok := strings.Cut(string(raw), ") ")
	fields := strings.Fields(rest)
	if !ok || len(fields) < 13 {
		return 0, errors.New("no processor times in /proc")
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime and stime, fields 14 and 15 of stat
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			return 0, err
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100, nil // USER_HZ
}

// DatabaseCPU reads the processor time used so far by each PostgreSQL
// backend serving a client of db's database (and their parallel workers),
// other than db's own, by process id; autovacuum is left out.
func DatabaseCPU(ctx context.Context, db *pgx.Conn) (map[int32]time.Duration, error) {
	rows, err := db.Query(ctx, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type IN ('client backend', 'parallel worker')")
	if err != nil {
		return nil, err
	}
	pids, err := pgx.CollectRows(rows, pgx.RowTo[int32])
	if err != nil {
		return nil, err
	}
	out := make(map[int32]time.Duration, len(pids))
	for _, pid := range pids {
		if t, err := ProcessCPU(int(pid)); err == nil { // else the backend ended meanwhile
			out[pid] = t
		}
	}
	return out, nil
}

// DatabaseCPUSince is the processor time the backends of after used since
// before: all of it for a backend that started in between, none for one
// that ended.
func DatabaseCPUSince(before, after map[int32]time.Duration) time.Duration {
	var sum time.Duration
	for pid, t := range after {
		sum += t - before[pid]
	}
	return sum
}

// CPUTimes are the machine's CPU times since boot, in clock ticks, from
// /proc/stat: all of them and the part the host took for other guests
// (steal), which a virtual machine's figures cannot help.
type CPUTimes struct {
	Total, Steal int64
}

// ReadCPUTimes reads the machine's CPU times.
func ReadCPUTimes() (CPUTimes, error) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return CPUTimes{}, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 9 || fields[0] != "cpu" {
			continue
		}
		var t CPUTimes
		for i, f := range fields[1:] {
			n, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return CPUTimes{}, err
			}
			if i < 8 { // user nice system idle iowait irq softirq steal; guest time is counted in user
				t.Total += n
			}
			if i == 7 {
				t.Steal = n
			}
		}
		return t, nil
	}
	return CPUTimes{}, errors.New("bench: /proc/stat has no cpu line")
}

// StolenSince is the share of the CPU time since before that the host took.
func (t CPUTimes) StolenSince(before CPUTimes) float64 {
	if t.Total <= before.Total {
		return 0
	}
	return float64(t.Steal-before.Steal) / float64(t.Total-before.Total)
}

// Shares are the processor time used so far by the server, by PostgreSQL's
// backends serving the benchmark's database (by process id) and by this
// process (the load generator).
type Shares struct {
	Server   time.Duration
	Database map[int32]time.Duration
	Self     time.Duration
}

// ReadShares reads the processor time used so far by srv, by the backends
// serving db's database and by this process.
func ReadShares(ctx context.Context, srv *Server, db *pgx.Conn) (Shares, error) {
	var s Shares
	var err error
	if s.Server, err = srv.CPUTime(); err != nil {
		return Shares{}, err
	}
	if s.Database, err = DatabaseCPU(ctx, db); err != nil {
		return Shares{}, err
	}
	if s.Self, err = ProcessCPU(os.Getpid()); err != nil {
		return Shares{}, err
	}
	return s, nil
}

// Since is the processor time the server, the database's backends and this
// process used since before.
func (s Shares) Since(before Shares) (server, database, self time.Duration) {
	return s.Server - before.Server, DatabaseCPUSince(before.Database, s.Database), s.Self - before.Self
}
