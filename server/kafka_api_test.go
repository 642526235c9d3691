package server

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kfake"
	"github.com/twmb/franz-go/pkg/kgo"
)

// TestKafkaSourceAPI drives integrations and collection sources through the
// Rockset-shaped HTTP API: create, list, status with per-partition lag,
// suspend (nothing is consumed) and resume (it catches up), the lag metric,
// and the refusal to delete an integration in use.
func TestKafkaSourceAPI(t *testing.T) {
	kc, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(3, "orders"))
	if err != nil {
		t.Fatal(err)
	}
	defer kc.Close()
	brokers := strings.Join(kc.ListenAddrs(), ",")
	s, err := Start(Config{DataDir: t.TempDir(), HTTPAddr: "127.0.0.1:0", Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown()
	base := "http://" + s.HTTPAddr()

	var in struct {
		Data map[string]any `json:"data"`
	}
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/integrations", fmt.Sprintf(`{"name":"k","description":"local","kafka":{"bootstrap_servers":%q,"security_config":{"api_key":"user","secret":"hunter2"}}}`, brokers), &in); code != 200 {
		t.Fatalf("create integration: %d %v", code, in)
	}
	b, _ := io.ReadAll(mustGet(t, base+"/v1/orgs/self/integrations/k"))
	if strings.Contains(string(b), "hunter2") || !strings.Contains(string(b), `"api_key":"user"`) {
		t.Fatalf("integration shows its secret or lacks its key: %s", b)
	}
	// kfake has no SASL here: an integration without credentials.
	httpJSON(t, "POST", base+"/v1/orgs/self/integrations", fmt.Sprintf(`{"name":"plain","kafka":{"bootstrap_servers":%q}}`, brokers), nil)
	var col struct {
		Data struct {
			Sources []struct {
				ID string `json:"id"`
			} `json:"sources"`
		} `json:"data"`
	}
	if code := httpJSON(t, "POST", base+"/v1/orgs/self/ws/commons/collections", `{"name":"orders","sources":[{"integration_name":"plain","kafka":{"kafka_topic_name":"orders"},"format_params":{"json":true}}]}`, &col); code != 200 || len(col.Data.Sources) != 1 {
		t.Fatalf("create collection: %d %+v", code, col)
	}
	id := col.Data.Sources[0].ID
	srcURL := base + "/v1/orgs/self/ws/commons/collections/orders/sources/" + id

	prod, err := kgo.NewClient(kgo.SeedBrokers(kc.ListenAddrs()...), kgo.RecordPartitioner(kgo.ManualPartitioner()))
	if err != nil {
		t.Fatal(err)
	}
	defer prod.Close()
	send := func(from, to int) {
		for i := from; i < to; i++ {
			r := &kgo.Record{Topic: "orders", Partition: int32(i % 3), Value: []byte(fmt.Sprintf(`{"_id":"o%d","v":%d}`, i, i))}
			if err := prod.ProduceSync(t.Context(), r).FirstErr(); err != nil {
				t.Fatal(err)
			}
		}
	}
	type srcJSON struct {
		Data struct {
			ID     string `json:"id"`
			Status struct {
				State string `json:"state"`
				Total int64  `json:"total_processed_items"`
			} `json:"status"`
			Kafka struct {
				Topic  string `json:"kafka_topic_name"`
				Reset  string `json:"offset_reset_policy"`
				Status struct {
					State      string `json:"state"`
					Docs       int64  `json:"num_documents_processed"`
					InFlight   *int64 `json:"in_flight_bytes"`
					Partitions []struct {
						P      int32 `json:"partition_number"`
						Offset int64 `json:"partition_offset"`
						Lag    int64 `json:"offset_lag"`
					} `json:"kafka_partitions"`
				} `json:"status"`
			} `json:"kafka"`
			SuspendedAt *string `json:"suspended_at"`
		} `json:"data"`
	}
	waitSrc := func(what string, ok func(s srcJSON) bool) srcJSON {
		t.Helper()
		deadline := time.Now().Add(15 * time.Second)
		for {
			var s srcJSON
			httpJSON(t, "GET", srcURL, "", &s)
			if ok(s) {
				return s
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %s: %+v", what, s)
			}
			time.Sleep(30 * time.Millisecond)
		}
	}
	send(0, 30)
	// Caught up, nothing is in flight (in_flight_bytes is always there).
	got := waitSrc("30 documents, watching, none in flight", func(s srcJSON) bool {
		f := s.Data.Kafka.Status.InFlight
		return s.Data.Status.State == "WATCHING" && s.Data.Kafka.Status.Docs == 30 && len(s.Data.Kafka.Status.Partitions) == 3 && f != nil && *f == 0
	})
	if got.Data.Kafka.Topic != "orders" || got.Data.Kafka.Reset != "EARLIEST" || got.Data.Kafka.Status.State != "ACTIVE" {
		t.Fatalf("source: %+v", got)
	}
	for _, p := range got.Data.Kafka.Status.Partitions {
		if p.Offset != 10 || p.Lag != 0 {
			t.Fatalf("partition %d: offset %d lag %d, want 10 and 0", p.P, p.Offset, p.Lag)
		}
	}

	// Suspended, the source reads nothing and its lag shows what waits.
	var sus srcJSON
	httpJSON(t, "POST", srcURL+"/suspend", "", &sus)
	if sus.Data.Status.State != "SUSPENDED" || sus.Data.SuspendedAt == nil {
		t.Fatalf("suspend: %+v", sus)
	}
	send(30, 45)
	time.Sleep(300 * time.Millisecond)
	if n, _ := countSum(t, base, "orders"); n != 30 {
		t.Fatalf("a suspended source consumed: %d documents", n)
	}
	httpJSON(t, "POST", srcURL+"/resume", "", nil)
	waitSrc("45 documents after resuming", func(s srcJSON) bool {
		return s.Data.Status.State == "WATCHING" && s.Data.SuspendedAt == nil && s.Data.Kafka.Status.Partitions[0].Offset == 15
	})
	if n, sum := countSum(t, base, "orders"); n != 45 || sum != 44*45/2 {
		t.Fatalf("after resume: %d documents, sum %d", n, sum)
	}
	metrics, _ := io.ReadAll(mustGet(t, base+"/metrics"))
	if !strings.Contains(string(metrics), `basalt_source_consumer_lag{collection="orders",partition="2",source="`+id+`",workspace="commons"} 0`) {
		t.Fatalf("no lag metric for partition 2 in /metrics")
	}
	var e map[string]any
	if code := httpJSON(t, "DELETE", base+"/v1/orgs/self/integrations/plain", "", &e); code != 409 || e["type"] != "DEPENDENTRESOURCES" {
		t.Fatalf("delete integration in use: %d %v", code, e)
	}
	if code := httpJSON(t, "GET", base+"/v1/orgs/self/ws/commons/collections/orders/sources/nope", "", &e); code != 404 {
		t.Fatalf("unknown source: %d %v", code, e)
	}
	// Dropping the collection stops its source; then the integration goes.
	httpJSON(t, "DELETE", base+"/v1/orgs/self/ws/commons/collections/orders", "", nil)
	if code := httpJSON(t, "DELETE", base+"/v1/orgs/self/integrations/plain", "", &e); code != 200 {
		t.Fatalf("delete unused integration: %d %v", code, e)
	}
}

func mustGet(t *testing.T, url string) io.Reader {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", url, resp.StatusCode)
	}
	return resp.Body
}
