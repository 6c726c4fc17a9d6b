package trends_test

import (
	"encoding/json"
	"testing"

	"github.com/walkthrough-edu/walkthrough/server/internal/trends"
)

func TestLevelsEncodeAsAMapOfTheLevelsWithScores(t *testing.T) {
	ls := trends.Levels{1: 4, 3: 12, 10: 1}
	got, err := json.Marshal(ls)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(map[string]int64{"1": 4, "3": 12, "10": 1})
	if string(got) != string(want) {
		t.Fatalf("levels encode as %s, a map as %s", got, want)
	}
	var back trends.Levels
	if err := json.Unmarshal(got, &back); err != nil || back != ls {
		t.Fatalf("decoded %v (%v), want %v", back, err, ls)
	}
	cell, _ := json.Marshal(trends.Cell{Suppressed: true})
	if string(cell) != `{"bucket":"0001-01-01","group":null,"scores":0,"suppressed":true}` {
		t.Fatalf("a cell without scores: %s", cell)
	}
	if err := json.Unmarshal([]byte(`{"11": 1}`), &back); err == nil {
		t.Fatal("level 11 decoded")
	}
}
