package main

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestBenchLatencyRuns runs every workload of `basalt bench latency` over
// both transports against a real server, briefly and slowly: every
// document is accepted, the probe sees them (its samples are a latency,
// not the 2 s of an empty window), and the report has a line per mode.
func TestBenchLatencyRuns(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server and an in-process Kafka cluster")
	}
	startServer(t)
	line := regexp.MustCompile(`(?m)^(insert|mixed|patch) +sent (\d+) docs/s .*, (\d+) failed; data latency p50 ([0-9.]+) ms.*\((\d+) samples\)`)
	for _, transport := range []string{"kafka", "http"} {
		out, errOut, err := runBasalt("bench", "latency", "--transport", transport, "--rate", "400", "--producers", "2",
			"--duration", "1500ms", "--warmup", "300ms", "--preload", "200", "--partitions", "2")
		if err != nil {
			t.Fatalf("%s: %v\n%s%s", transport, err, out, errOut)
		}
		if strings.Contains(out, "last error") || strings.Contains(out, "nothing newer") {
			t.Errorf("%s:\n%s", transport, out)
		}
		got := line.FindAllStringSubmatch(out, -1)
		if len(got) != 3 {
			t.Fatalf("%s: want a report line per mode:\n%s", transport, out)
		}
		for _, m := range got {
			sent, _ := strconv.Atoi(m[2])
			p50, _ := strconv.ParseFloat(m[4], 64)
			samples, _ := strconv.Atoi(m[5])
			if sent < 200 || m[3] != "0" || samples == 0 || p50 >= 2000 {
				t.Errorf("%s %s: %d docs/s sent, %s failed, %d samples, p50 %.1f ms:\n%s", transport, m[1], sent, m[3], samples, p50, out)
			}
		}
		t.Logf("%s:\n%s", transport, out)
	}
}

// TestStampPlanned: a planned document's placeholder timestamps are
// overwritten in place with the time of sending, and nothing else is.
func TestStampPlanned(t *testing.T) {
	d := []byte(`{"_id":"a","v":1,"_event_time":1111111111111111,"_ts":1111111111111111}`)
	at := stampsOf(d)
	if len(at) != 2 {
		t.Fatalf("found %d placeholders, want 2", len(at))
	}
	stamp(d, at, 1764201600123456)
	if want := `{"_id":"a","v":1,"_event_time":1764201600123456,"_ts":1764201600123456}`; string(d) != want {
		t.Fatalf("stamped %s, want %s", d, want)
	}
}

// TestPlanBounded: a long run plans no more than maxPlannedBytes of
// documents ahead (a 10-minute run at 20 MB/s would have held 12 GB); the
// rest is generated as it is sent.
func TestPlanBounded(t *testing.T) {
	defer func(n int64) { maxPlannedBytes = n }(maxPlannedBytes)
	maxPlannedBytes = 1 << 20
	r := &latencyRun{b: &latencyBench{rate: 13552, producers: 4, duration: 10 * time.Second}, mode: "insert"}
	plan := r.plan(0)
	var bytes int
	for _, d := range plan {
		bytes += len(d.doc)
	}
	if bytes > 2*(1<<20)/4 || len(plan) == 0 {
		t.Fatalf("a producer planned %d documents of %d bytes for 10 s, want about %d bytes", len(plan), bytes, (1<<20)/4)
	}
}
