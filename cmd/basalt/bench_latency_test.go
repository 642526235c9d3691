package main

import (
	"context"
	"regexp"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kgo"
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

// TestBenchClusterSegments: the benchmarks' in-process Kafka cluster rolls
// its log segments at 8 MiB (kfake's 100 MiB segments grow in one buffer
// whose doubling stalled every request): the broker's log.segment.bytes,
// which topics created without a segment.bytes of their own roll at.
func TestBenchClusterSegments(t *testing.T) {
	c, err := newBenchCluster()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cl, err := kgo.NewClient(kgo.SeedBrokers(c.ListenAddrs()...))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	rcs, err := kadm.NewClient(cl).DescribeBrokerConfigs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, rc := range rcs {
		for _, cfg := range rc.Configs {
			if cfg.Key == "log.segment.bytes" {
				if got := cfg.MaybeValue(); got != strconv.Itoa(8<<20) {
					t.Fatalf("log.segment.bytes %s, want %d", got, 8<<20)
				}
				return
			}
		}
	}
	t.Fatalf("no log.segment.bytes among %v", rcs)
}

// TestQuietGC: within the window the collector runs only past the memory
// limit (GC percent off), and afterwards the settings are as before.
func TestQuietGC(t *testing.T) {
	before := debug.SetGCPercent(77)
	defer debug.SetGCPercent(before)
	limit := debug.SetMemoryLimit(-1)
	restore := quietGC(1 << 30)
	if p := debug.SetGCPercent(-1); p != -1 {
		t.Errorf("GC percent %d within the window, want -1 (off)", p)
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	if l := debug.SetMemoryLimit(-1); l < int64(ms.Sys-ms.HeapReleased) || l > int64(ms.Sys)+1<<30 {
		t.Errorf("memory limit %d within the window, want what the process holds (%d) and 1 GiB more", l, ms.Sys-ms.HeapReleased)
	}
	restore()
	if p := debug.SetGCPercent(77); p != 77 {
		t.Errorf("GC percent %d after the window, want 77", p)
	}
	if l := debug.SetMemoryLimit(-1); l != limit {
		t.Errorf("memory limit %d after the window, want %d", l, limit)
	}
}

// TestWindowHeadroom: the window's headroom is measuredHeadroom, or half of
// the available memory when less; MemAvailable is read from /proc/meminfo.
func TestWindowHeadroom(t *testing.T) {
	const gib = 1 << 30
	for _, c := range []struct{ available, want int64 }{
		{0, measuredHeadroom},        // unknown
		{24 * gib, measuredHeadroom}, // plenty
		{6 * gib, 3 * gib},
	} {
		if got := windowHeadroom(c.available); got != c.want {
			t.Errorf("windowHeadroom(%d) = %d, want %d", c.available, got, c.want)
		}
	}
	meminfo := "MemTotal:       24604496 kB\nMemFree:        20081232 kB\nMemAvailable:   22497712 kB\nBuffers:          181504 kB\n"
	if got, want := parseMemAvailable(strings.NewReader(meminfo)), int64(22497712)<<10; got != want {
		t.Errorf("parseMemAvailable = %d, want %d", got, want)
	}
	for _, bad := range []string{"MemTotal: 1 kB\n", "MemAvailable: lots kB\n", "MemAvailable: 12 MB\n", ""} {
		if got := parseMemAvailable(strings.NewReader(bad)); got != 0 {
			t.Errorf("parseMemAvailable(%q) = %d, want 0", bad, got)
		}
	}
	if runtime.GOOS == "linux" && memAvailable() <= 0 {
		t.Error("no MemAvailable in this machine's /proc/meminfo")
	}
}
