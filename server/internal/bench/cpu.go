package bench

import (
	"bufio"
	"errors"
	"os"
	"strconv"
	"strings"
)

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

// Shares are the CPU seconds the server, PostgreSQL's backends serving the
// benchmark's database and the benchmark itself (the load generator) have
// used since their start, from /proc. PostgreSQL's own processes (the WAL
// writer, the checkpointer) are not counted, nor the work of other
// databases on the same server.
type Shares struct {
	Server, Postgres, Bench float64
}

// ReadShares reads the CPU seconds of the server with process id server,
// of the PostgreSQL backends connected to database, and of this process.
func ReadShares(server int, database string) (Shares, error) {
	var s Shares
	var err error
	if s.Server, err = processCPU(server); err != nil {
		return Shares{}, err
	}
	if s.Bench, err = processCPU(os.Getpid()); err != nil {
		return Shares{}, err
	}
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return Shares{}, err
	}
	for _, d := range dirs {
		pid, err := strconv.Atoi(d.Name())
		if err != nil {
			continue
		}
		// A backend's title is "postgres: user database client state".
		cmd, err := os.ReadFile("/proc/" + d.Name() + "/cmdline")
		if err != nil || !strings.HasPrefix(string(cmd), "postgres: ") || !strings.Contains(string(cmd), " "+database+" ") {
			continue
		}
		if t, err := processCPU(pid); err == nil { // a backend may end meanwhile
			s.Postgres += t
		}
	}
	return s, nil
}

// Since is the CPU seconds each used since before (PostgreSQL's backends
// that ended meanwhile are not counted).
func (s Shares) Since(before Shares) Shares {
	return Shares{Server: s.Server - before.Server, Postgres: s.Postgres - before.Postgres, Bench: s.Bench - before.Bench}
}

// processCPU is the user and system CPU seconds of process pid.
func processCPU(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// The command name is in parentheses and may hold spaces.
	i := strings.LastIndexByte(string(b), ')')
	if i < 0 {
		return 0, errors.New("bench: no command name in /proc/pid/stat")
	}
	fields := strings.Fields(string(b[i+1:]))
	if len(fields) < 13 {
		return 0, errors.New("bench: too few fields in /proc/pid/stat")
	}
	utime, err := strconv.ParseInt(fields[11], 10, 64)
	if err != nil {
		return 0, err
	}
	stime, err := strconv.ParseInt(fields[12], 10, 64)
	if err != nil {
		return 0, err
	}
	return float64(utime+stime) / ticksPerSecond, nil
}

// ticksPerSecond is Linux's USER_HZ, the unit of /proc's CPU times.
const ticksPerSecond = 100
