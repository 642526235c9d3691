package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/basaltdb/basalt/storage"
)

// The crash test runs this test binary again as a child that serves a data
// directory, writes to it over HTTP, kills it with SIGKILL at a random
// moment, and checks the directory: every acknowledged write must be there
// with its latest acknowledged value, and no request may be half applied.

const childEnv = "BASALT_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(childEnv); dir != "" {
		runChild(dir, os.Getenv("BASALT_CRASH_ADDR"))
		return
	}
	os.Exit(m.Run())
}

func runChild(dir, addr string) {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	s, err := Start(Config{DataDir: dir, HTTPAddr: addr, PGAddr: "127.0.0.1:0", Storage: storage.Options{SealRows: 300, CompactMinSegments: 2, MaintenanceInterval: 200 * time.Millisecond}})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(3)
	}
	if err := s.Wait(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		os.Exit(4)
	}
	os.Exit(0)
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// docState is what the parent knows about one _id.
type docState struct {
	acked   int // version acknowledged last; 0: absent (never written or deleted)
	pending []int
}

type crashModel struct {
	mu   sync.Mutex
	docs map[string]*docState
	// inflight holds, per writer, the ops of the batch it is waiting for:
	// after a crash they must be all applied or none.
	inflight map[string][]inflightOp
}

type inflightOp struct {
	id      string
	ver     int // -1: delete
	prevAck int
}

func TestCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop is not short")
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	m := &crashModel{docs: map[string]*docState{}, inflight: map[string][]inflightOp{}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	seed := rng.Uint64()
	t.Logf("seed %d", seed)
	rng = rand.New(rand.NewPCG(seed, 1))
	cycles := 8
	if os.Getenv("BASALT_LONG") != "" {
		cycles = 40
	}
	created := false
	for cycle := 0; cycle < cycles; cycle++ {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, "BASALT_CRASH_ADDR="+addr)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		base := "http://" + addr
		if !waitReady(base, 20*time.Second) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("cycle %d: child did not start: %s", cycle, stderr.String())
		}
		if !created {
			post(t, base+"/v1/orgs/self/ws/commons/collections", `{"name":"crash"}`)
			created = true
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for w := 0; w < 3; w++ {
			wg.Add(1)
			wrng := rand.New(rand.NewPCG(rng.Uint64(), uint64(w)))
			go func() {
				defer wg.Done()
				m.writer(ctx, base, wrng, fmt.Sprintf("w%d", w), cycle)
			}()
		}
		time.Sleep(time.Duration(200+rng.IntN(1300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		cmd.Wait()
		cancel()
		wg.Wait()
		m.verify(t, dir, cycle)
	}
	// Finally a clean SIGTERM must exit 0.
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+dir, "BASALT_CRASH_ADDR="+addr)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	if !waitReady("http://"+addr, 20*time.Second) {
		t.Fatal("child did not start")
	}
	cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("SIGTERM: exit %v", err)
	}
	m.verify(t, dir, cycles)
}

func waitReady(base string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		resp, err := http.Get(base + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

func post(t *testing.T, url, body string) {
	t.Helper()
	resp, err := http.Post(url, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s: %d", url, resp.StatusCode)
	}
}

type writeResp struct {
	Data []struct {
		ID     string `json:"_id"`
		Status string `json:"status"`
	} `json:"data"`
}

// writer sends batches of inserts, replaces, patches and deletes over a
// small id space until ctx ends or the server dies.
func (m *crashModel) writer(ctx context.Context, base string, rng *rand.Rand, name string, cycle int) {
	client := &http.Client{Timeout: 10 * time.Second}
	for n := 0; ctx.Err() == nil; n++ {
		batch := fmt.Sprintf("%s-c%d-%d", name, cycle, n)
		size := 1 + rng.IntN(60)
		kind := rng.IntN(10)
		type op struct {
			id  string
			ver int
		}
		var ops []op
		var body bytes.Buffer
		method := "POST"
		seen := map[string]bool{}
		m.mu.Lock()
		for i := 0; i < size; i++ {
			id := fmt.Sprintf("%s-%d", name, rng.IntN(400))
			if seen[id] {
				continue
			}
			seen[id] = true
			st := m.docs[id]
			if st == nil {
				st = &docState{}
				m.docs[id] = st
			}
			ver := 1 + rng.IntN(1<<30)
			if kind == 0 {
				ver = -1 // delete
			}
			st.pending = append(st.pending, ver)
			ops = append(ops, op{id, ver})
		}
		var fl []inflightOp
		for _, o := range ops {
			fl = append(fl, inflightOp{id: o.id, ver: o.ver, prevAck: m.docs[o.id].acked})
		}
		m.inflight[name] = fl
		m.mu.Unlock()
		body.WriteString(`{"data":[`)
		for i, o := range ops {
			if i > 0 {
				body.WriteByte(',')
			}
			if kind == 0 {
				method = "DELETE"
				fmt.Fprintf(&body, `{"_id":%q}`, o.id)
			} else {
				fmt.Fprintf(&body, `{"_id":%q,"ver":%d,"batch":%q,"pad":%q,"nested":{"v":%d,"tags":["a","b"]}}`, o.id, o.ver, batch, strings.Repeat("x", rng.IntN(200)), o.ver)
			}
		}
		body.WriteString(`]}`)
		req, _ := http.NewRequestWithContext(context.Background(), method, base+"/v1/orgs/self/ws/commons/collections/crash/docs", &body)
		resp, err := client.Do(req)
		if err != nil {
			return // the server died: these ops stay pending
		}
		var wr writeResp
		derr := json.NewDecoder(resp.Body).Decode(&wr)
		resp.Body.Close()
		if resp.StatusCode != 200 || derr != nil {
			return
		}
		m.mu.Lock()
		delete(m.inflight, name)
		for i, o := range ops {
			st := m.docs[o.id]
			// The op is acknowledged: drop it (and every earlier pending
			// op of this id, which the server ordered before it) from
			// pending.
			for j, p := range st.pending {
				if p == o.ver {
					st.pending = st.pending[j+1:]
					break
				}
			}
			switch {
			case wr.Data[i].Status == "DELETED" || (o.ver == -1 && wr.Data[i].Status == "ERROR"):
				st.acked = 0
			case o.ver > 0 && (wr.Data[i].Status == "ADDED" || wr.Data[i].Status == "REPLACED"):
				st.acked = o.ver
			}
		}
		m.mu.Unlock()
	}
}

// verify opens the killed server's directory and checks it against the model.
func (m *crashModel) verify(t *testing.T, dir string, cycle int) {
	t.Helper()
	e, err := storage.Open(storage.Options{Dir: dir, DisableBackground: true})
	if err != nil {
		t.Fatalf("cycle %d: reopen: %v", cycle, err)
	}
	defer e.Close()
	s, err := e.Snapshot("commons", "crash")
	if err != nil {
		t.Fatalf("cycle %d: %v", cycle, err)
	}
	defer s.Close()
	m.mu.Lock()
	defer m.mu.Unlock()
	var present int64
	// No half batches: each writer's unacknowledged batch is applied whole
	// or not at all (ops whose outcome looks the same either way aside).
	for w, ops := range m.inflight {
		applied, unapplied := 0, 0
		for _, o := range ops {
			doc, ok, err := s.Get(o.id)
			if err != nil {
				t.Fatal(err)
			}
			got := 0
			if ok {
				got = int(doc.Get("ver").Int())
			}
			want := max(o.ver, 0)
			switch {
			case want == o.prevAck:
			case got == want:
				applied++
			case got == o.prevAck:
				unapplied++
			}
		}
		if applied > 0 && unapplied > 0 {
			t.Fatalf("cycle %d: writer %s's last batch is half applied: %d ops applied, %d not", cycle, w, applied, unapplied)
		}
		delete(m.inflight, w)
	}
	for id, st := range m.docs {
		doc, ok, err := s.Get(id)
		if err != nil {
			t.Fatalf("cycle %d: get %s: %v", cycle, id, err)
		}
		got := 0
		if ok {
			got = int(doc.Get("ver").Int())
			present++
		}
		okVals := map[int]bool{st.acked: true}
		for _, p := range st.pending {
			if p == -1 {
				okVals[0] = true
			} else {
				okVals[p] = true
			}
		}
		if !okVals[got] {
			t.Fatalf("cycle %d: _id %s has version %d; acknowledged %d, pending %v", cycle, id, got, st.acked, st.pending)
		}
		// After recovery the outcome of every pending op is settled.
		st.acked = got
		st.pending = nil
	}
	if n := s.DocCount(); n != present {
		t.Fatalf("cycle %d: doc count %d, but %d documents are present", cycle, n, present)
	}
	t.Logf("cycle %d: %d documents verified, %d ids known", cycle, present, len(m.docs))
}
