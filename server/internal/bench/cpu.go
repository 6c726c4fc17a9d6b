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
