package server

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// httpJSON sends a request and decodes the JSON answer into out.
func httpJSON(t *testing.T, method, url, body string, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %d %s: %v", method, url, resp.StatusCode, b, err)
		}
	}
	return resp.StatusCode
}

// countSum asks the server for count(*) and sum(v) of a collection.
func countSum(t *testing.T, base, coll string) (int64, int64) {
	t.Helper()
	var out struct {
		Results []struct {
			C int64 `json:"c"`
			S int64 `json:"s"`
		} `json:"results"`
	}
	q := fmt.Sprintf(`{"sql":{"query":"SELECT count(*) AS c, coalesce(sum(v), 0) AS s FROM %s"}}`, coll)
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/queries", q, &out); code != 200 || len(out.Results) != 1 {
		t.Fatalf("query %s: HTTP %d", coll, code)
	}
	return out.Results[0].C, out.Results[0].S
}

// TestKafkaCrashLoop: a child server consumes a Kafka topic of 6
// partitions while a producer streams into it; the child is killed with
// SIGKILL at random moments and restarted. In the end the collection holds
// exactly what was produced: the count and the sum match, so no record was
// lost and none counted twice, whatever the kill interrupted.
func TestKafkaCrashLoop(t *testing.T) {
	if testing.Short() {
		t.Skip("crash loop is not short")
	}
	const parts = 6
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(parts, "clicks"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	brokers := kc.ListenAddrs()
	dir := t.TempDir()
	addr := freeAddr(t)
	base := "http://" + addr
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), childEnv+"="+dir, "BASALT_CRASH_ADDR="+addr)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		if !waitReady(base, 20*time.Second) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("child did not start: %s", stderr.String())
		}
		return cmd, &stderr
	}
	cmd, _ := start()
	post(t, base+"/v1/orgs/self/integrations", fmt.Sprintf(`{"name":"local","kafka":{"bootstrap_servers":%q}}`, strings.Join(brokers, ",")))
	post(t, base+"/v1/orgs/self/ws/commons/collections", `{"name":"clicks","sources":[{"integration_name":"local","kafka":{"kafka_topic_name":"clicks","offset_reset_policy":"EARLIEST"},"format_params":{"json":true}}]}`)

	prod, err := kgo.NewClient(kgo.SeedBrokers(brokers...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	var produced, wantSum atomic.Int64
	done := make(chan struct{})
	go func() {
		defer close(done)
		rng := rand.New(rand.NewPCG(5, 6))
		seq := 0
		for b := 0; b < 300; b++ {
			var recs []*kgo.Record
			var sum int64
			p := int32(rng.IntN(parts))
			for i := 0; i < 1+rng.IntN(40); i++ {
				seq++
				v := rng.IntN(100)
				doc := fmt.Sprintf(`{"_id":"c%d","v":%d}`, seq, v)
				if seq%4 == 0 {
					doc = fmt.Sprintf(`{"v":%d,"seq":%d}`, v, seq) // derived _id
				}
				recs = append(recs, &kgo.Record{Topic: "clicks", Partition: p, Value: []byte(doc)})
				sum += int64(v)
			}
			if err := prod.ProduceSync(t.Context(), recs...).FirstErr(); err != nil {
				t.Error(err)
				return
			}
			produced.Add(int64(len(recs)))
			wantSum.Add(sum)
			time.Sleep(5 * time.Millisecond)
		}
	}()
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 3))
	kills := 0
	for kills < 4 {
		time.Sleep(time.Duration(100+rng.IntN(400)) * time.Millisecond)
		cmd.Process.Kill()
		cmd.Wait()
		kills++
		cmd, _ = start()
	}
	<-done
	want := produced.Load()
	deadline := time.Now().Add(60 * time.Second)
	var n, sum int64
	for time.Now().Before(deadline) {
		if n, sum = countSum(t, base, "clicks"); n >= want {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if n != want || sum != wantSum.Load() {
		t.Fatalf("after %d kills: %d documents, sum %d; produced %d, sum %d", kills, n, sum, want, wantSum.Load())
	}
	// The source reports every partition caught up.
	var srcs struct {
		Data []struct {
			ID     string `json:"id"`
			Status struct {
				State string `json:"state"`
			} `json:"status"`
			Kafka struct {
				Status struct {
					Partitions []struct {
						Lag int64 `json:"offset_lag"`
					} `json:"kafka_partitions"`
				} `json:"status"`
			} `json:"kafka"`
		} `json:"data"`
	}
	deadline = time.Now().Add(10 * time.Second)
	for {
		httpJSON(t, "GET", base+"/v1/orgs/self/ws/commons/collections/clicks/sources", "", &srcs)
		s := srcs.Data[0]
		lagged := len(s.Kafka.Status.Partitions) != parts
		for _, p := range s.Kafka.Status.Partitions {
			lagged = lagged || p.Lag != 0
		}
		if s.Status.State == "WATCHING" && !lagged {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("source status after catching up: %+v", s)
		}
		time.Sleep(50 * time.Millisecond)
	}
	cmd.Process.Signal(os.Interrupt)
	cmd.Wait()
	t.Logf("%d kills; %d documents, sum %d, all present once", kills, n, sum)
}
