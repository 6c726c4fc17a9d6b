package bench

import "testing"

func TestStolenShareOfTheCPUTime(t *testing.T) {
	now, err := ReadCPUTimes()
	if err != nil {
		t.Fatal(err)
	}
	if now.Total <= 0 || now.Steal < 0 || now.Steal > now.Total {
		t.Fatalf("CPU times read as %+v", now)
	}
	before, after := CPUTimes{Total: 1000, Steal: 10}, CPUTimes{Total: 1400, Steal: 110}
	if got := after.StolenSince(before); got != 0.25 {
		t.Errorf("100 of 400 ticks stolen read as %v", got)
	}
	if got := before.StolenSince(before); got != 0 {
		t.Errorf("no time passing read as %v stolen", got)
	}
}
