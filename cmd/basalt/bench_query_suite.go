package main

import (
	"fmt"
	"time"
)

// Collections of the query benchmark, in workspace commons.
const (
	qbEvents    = "events"
	qbUsers     = "users"
	qbRockbench = "rockbench"
	qbMeta      = "bench_meta"
)

// Filter values of the suite: frequent enough that every answer is
// non-trivial, rare enough that the index, not a scan, should answer.
const (
	qbEventType = "purchase"
	qbOS        = "ios"
	qbTag       = "vip"
	qbPageLike  = "checkout"
	qbCompany   = "rockset"
)

// suiteQuery is one query of the suite.
type suiteQuery struct {
	Name string
	// What is the target it stands for, in words.
	What string
	SQL  string
}

// suiteParams are the values the suite's queries name: the end of the
// loaded history (the "last hour" is the hour before it, a literal so the
// suite asks the same question of a reused data directory days later) and
// needles that exist.
type suiteParams struct {
	End           time.Time
	NeedleID      string
	NeedleSession string
	Rockbench     bool
}

func (p suiteParams) lastHour() string {
	return p.End.Add(-time.Hour).UTC().Format(time.RFC3339)
}

// querySuite returns the fixed query suite.
func querySuite(p suiteParams) []suiteQuery {
	h := p.lastHour()
	qs := []suiteQuery{
		{"count-eq", "count where event_type = x",
			fmt.Sprintf("SELECT count(*) FROM events WHERE event_type = '%s'", qbEventType)},
		{"top-countries-1h", "top countries over the last hour",
			fmt.Sprintf("SELECT country, count(*) AS n FROM events WHERE _event_time > TIMESTAMP '%s' GROUP BY country ORDER BY n DESC LIMIT 10", h)},
		{"per-minute-1h", "per-minute counts over the last hour",
			fmt.Sprintf("SELECT date_trunc('minute', _event_time) AS minute, count(*) AS n FROM events WHERE _event_time > TIMESTAMP '%s' GROUP BY 1 ORDER BY 1", h)},
		{"distinct-users", "COUNT(DISTINCT user) by event type",
			"SELECT event_type, count(DISTINCT user_id) AS users FROM events GROUP BY event_type ORDER BY users DESC"},
		{"point-lookup", "point lookup by _id",
			fmt.Sprintf("SELECT * FROM events WHERE _id = '%s'", p.NeedleID)},
		{"session-needle", "selective needle: session_id = x",
			fmt.Sprintf("SELECT _id, _event_time, event_type, page FROM events WHERE session_id = '%s' ORDER BY _event_time", p.NeedleSession)},
		{"top20-nested", "top 20 by amount where device.os = x",
			fmt.Sprintf("SELECT _id, amount, page, device.browser FROM events WHERE device.os = '%s' ORDER BY amount DESC LIMIT 20", qbOS)},
		{"join-plan", "join with users, group by plan",
			fmt.Sprintf("SELECT u.plan, count(*) AS purchases, sum(e.amount) AS revenue FROM events e JOIN users u ON u._id = e.user_id WHERE e.event_type = '%s' GROUP BY u.plan ORDER BY revenue DESC", qbEventType)},
		{"p95-top-pages", "p95 latency of the 10 busiest pages",
			"SELECT page, count(*) AS hits, percentile_cont(0.95) WITHIN GROUP (ORDER BY latency_ms) AS p95_ms FROM events GROUP BY page ORDER BY hits DESC LIMIT 10"},
		{"array-contains", "tags contains x",
			fmt.Sprintf("SELECT count(*) FROM events WHERE ARRAY_CONTAINS(tags, '%s')", qbTag)},
		{"like-infix", "page LIKE '%x%'",
			fmt.Sprintf("SELECT count(*) FROM events WHERE page LIKE '%%%s%%'", qbPageLike)},
	}
	if p.Rockbench {
		qs = append(qs,
			suiteQuery{"rb-count-eq", "RockBench: filtered count",
				fmt.Sprintf(`SELECT count(*) FROM rockbench WHERE "Company" = '%s'`, qbCompany)},
			suiteQuery{"rb-group-city", "RockBench: group by a nested field",
				`SELECT "Address"."City" AS city, count(*) AS n, avg("Balance") AS balance FROM rockbench GROUP BY 1 ORDER BY n DESC`},
			suiteQuery{"rb-top-balance", "RockBench: top 10 by balance under two filters",
				`SELECT _id, "Name"."Last" AS last, "Balance" FROM rockbench WHERE "Age" = 27 AND "IsActive" = true ORDER BY "Balance" DESC LIMIT 10`},
		)
	}
	return qs
}
