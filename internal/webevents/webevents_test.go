package webevents

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/basaltdb/basalt/types"
)

func TestEventShape(t *testing.T) {
	end := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	cfg := Config{Seed: 1, Events: 20_000, Users: 1000, End: end}
	g := New(cfg)
	total, lastHour := 0, 0
	sessions := map[string]int{}
	pagesSeen := map[string]bool{}
	typeCount := map[string]int{}
	for i := 0; i < cfg.Events; i++ {
		e := g.Next()
		b := types.AppendJSON(nil, e.Value())
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("event %d is not JSON: %v\n%s", i, err, b)
		}
		if m["_id"] != EventID(i) || m["device"].(map[string]any)["os"] == nil {
			t.Fatalf("event %d has the wrong shape: %s", i, b)
		}
		ts, err := time.Parse(time.RFC3339Nano, m["timestamp"].(string))
		if err != nil || ts.Before(end.Add(-2*time.Hour-3*time.Second)) || ts.After(end.Add(3*time.Second)) {
			t.Fatalf("event %d: timestamp %v outside the span (%v)", i, m["timestamp"], err)
		}
		if ts.After(end.Add(-time.Hour)) {
			lastHour++
		}
		total += len(b)
		sessions[e.SessionID]++
		pagesSeen[e.Page] = true
		typeCount[e.Type]++
	}
	t.Logf("average event: %d bytes of JSON", total/cfg.Events)
	if avg := total / cfg.Events; avg < 800 || avg > 1300 {
		t.Fatalf("average event is %d bytes, want about 1 KB", avg)
	}
	if f := float64(lastHour) / float64(cfg.Events); f < 0.45 || f > 0.55 {
		t.Fatalf("%.2f of the events fall in the last hour, want about half", f)
	}
	if n := len(sessions); n < cfg.Events/12 || n > cfg.Events/3 {
		t.Fatalf("%d sessions for %d events, want about 8 events each (fewer while the first 4,096 sessions run)", n, cfg.Events)
	}
	if len(pagesSeen) < 500 {
		t.Fatalf("only %d distinct pages", len(pagesSeen))
	}
	if typeCount["page_view"] < typeCount["click"] || typeCount["click"] < typeCount["error"] || len(typeCount) != len(EventTypes()) {
		t.Fatalf("event types not skewed as documented: %v", typeCount)
	}
}

func TestDeterministic(t *testing.T) {
	cfg := Config{Seed: 3, Events: 100, End: time.Unix(1_700_000_000, 0)}
	a, b := New(cfg), New(cfg)
	for i := 0; i < cfg.Events; i++ {
		ea, eb := a.Next(), b.Next()
		if !types.Equal(ea.Value(), eb.Value()) {
			t.Fatalf("event %d differs between two generators of one config", i)
		}
	}
	ua, ub := NewUsers(cfg), NewUsers(cfg)
	for i := 0; i < 100; i++ {
		x, _ := ua.Next()
		y, _ := ub.Next()
		if !types.Equal(x.Value(), y.Value()) || x.ID != UserID(i) {
			t.Fatalf("user %d differs", i)
		}
	}
}

func TestUsers(t *testing.T) {
	u := NewUsers(Config{Seed: 1, Users: 5000})
	n := 0
	plansSeen := map[string]int{}
	for {
		usr, ok := u.Next()
		if !ok {
			break
		}
		n++
		plansSeen[usr.Plan]++
	}
	if n != 5000 || len(plansSeen) != 3 || plansSeen["free"] < plansSeen["pro"] || plansSeen["pro"] < plansSeen["enterprise"] {
		t.Fatalf("%d users, plans %v", n, plansSeen)
	}
}
