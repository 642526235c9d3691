package sql

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestNowPrunesByEventTime checks that NOW() is one value per statement,
// folded by the planner, so a window relative to it prunes blocks by their
// _event_time zone maps (the query a dashboard or a freshness probe asks),
// with the answer a brute-force count gives.
func TestNowPrunesByEventTime(t *testing.T) {
	eng := openTestEngine(t, 100, "ev")
	now := time.Now().UTC()
	var docs []string
	recent := 0
	for i := 0; i < 300; i++ {
		age := time.Duration(300-i) * time.Minute // the oldest first: blocks follow time
		if age < time.Hour {
			recent++
		}
		docs = append(docs, fmt.Sprintf(`{"_id":"d%d","_event_time":%q}`, i, now.Add(-age).Format(time.RFC3339Nano)))
	}
	for i := 0; i < len(docs); i += 50 {
		writeDocs(t, eng, "ev", docs[i:i+50]...)
	}
	s := NewSession(eng, Limits{})
	q := "SELECT count(*) FROM ev WHERE _event_time > NOW() - INTERVAL '1 hour'"
	plan, rows := joinPlanAndRows(t, s, q)
	if !strings.Contains(plan, "zone-map pruning on _event_time") {
		t.Errorf("want zone-map pruning for a window relative to NOW():\n%s", plan)
	}
	if want := fmt.Sprintf("%d\n", recent); rows != want {
		t.Errorf("%s: %s, want %s", q, rows, want)
	}
	_, rows = joinPlanAndRows(t, s, "SELECT NOW() = CURRENT_TIMESTAMP, CURRENT_DATE <= NOW()")
	if rows != "true true\n" {
		t.Errorf("NOW() is not one instant per statement: %s", rows)
	}
}
