package kafka

import (
	"encoding/binary"
	"fmt"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/catalog"
	"github.com/hamba/avro/v2"
)

const readingSchema = `{"type":"record","name":"Reading","fields":[
  {"name":"_id","type":"string"},
  {"name":"device","type":"string"},
  {"name":"temp","type":"double"},
  {"name":"count","type":"long"},
  {"name":"at","type":{"type":"long","logicalType":"timestamp-millis"}},
  {"name":"tags","type":{"type":"array","items":"string"}},
  {"name":"loc","type":["null",{"type":"record","name":"Loc","fields":[{"name":"lat","type":"double"}]}]}
]}`

// TestKafkaAvro reads Avro records in the schema registry's wire format,
// with the schema served by a Confluent-compatible registry; a record with
// an unknown schema id or a broken payload goes to _meta.bad.
func TestKafkaAvro(t *testing.T) {
	reg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/schemas/ids/7" {
			fmt.Fprintf(w, `{"schema":%q}`, readingSchema)
			return
		}
		w.WriteHeader(404)
		fmt.Fprint(w, `{"error_code":40403,"message":"Schema not found"}`)
	}))
	defer reg.Close()
	addrs := startCluster(t, 1, "readings")
	n := openNode(t, t.TempDir())
	defer n.Close()
	if _, err := n.Eng.Catalog().CreateIntegration(catalog.Integration{Name: "avro", Kafka: &catalog.KafkaIntegration{
		BootstrapServers: strings.Join(addrs, ","), DataFormat: "AVRO", SchemaRegistry: &catalog.SchemaRegistry{URL: reg.URL},
	}}); err != nil {
		t.Fatal(err)
	}
	col, err := n.Eng.CreateCollection("commons", catalog.CollectionSpec{Name: "readings", Sources: []catalog.Source{{
		IntegrationName: "avro", Kafka: &catalog.KafkaSource{TopicName: "readings"},
	}}})
	if err != nil {
		t.Fatal(err)
	}
	n.Mgr.Sync()
	schema := avro.MustParse(readingSchema)
	frame := func(id uint32, v any) string {
		b, err := avro.Marshal(schema, v)
		if err != nil {
			t.Fatal(err)
		}
		return string(binary.BigEndian.AppendUint32([]byte{0}, id)) + string(b)
	}
	type loc struct {
		Lat float64 `avro:"lat"`
	}
	type reading struct {
		ID     string    `avro:"_id"`
		Device string    `avro:"device"`
		Temp   float64   `avro:"temp"`
		Count  int64     `avro:"count"`
		At     time.Time `avro:"at"`
		Tags   []string  `avro:"tags"`
		Loc    *loc      `avro:"loc"`
	}
	at := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	produce(t, newProducer(t, addrs), "readings", 0,
		frame(7, reading{ID: "r1", Device: "d1", Temp: 21.5, Count: 3, At: at, Tags: []string{"a", "b"}, Loc: &loc{Lat: 48.1}}),
		frame(9, reading{ID: "r2", Device: "d2"}), // unknown schema id
		"\x00\x00\x00\x00\x07\xff\xff",            // truncated payload
		`{"_id":"json"}`,                          // not Avro at all
		frame(7, reading{ID: "r3", Device: "d3", Temp: -4, At: at.Add(time.Minute), Tags: []string{}}),
	)
	ingesttest.WaitFor(t, "the Avro records", 10*time.Second, func() bool {
		st := n.Status(col.Name)
		return st.Records == 5
	})
	got := ingesttest.RowsText(n.Query(`SELECT _id, device, temp, count, at, tags, loc.lat FROM readings ORDER BY _id`))
	want := `"r1" "d1" 21.5 3 "2026-11-26T10:00:00.000000Z" ["a","b"] 48.1` + "\n" +
		`"r3" "d3" -4.0 0 "2026-11-26T10:01:00.000000Z" [] null` + "\n"
	if got != want {
		t.Fatalf("documents:\n%s\nwant:\n%s", got, want)
	}
	bad := ingesttest.RowsText(n.Query(`SELECT position, error FROM _meta.bad ORDER BY position`))
	for _, w := range []string{"schema id 9: HTTP 404", "does not decode with Avro schema id 7", "not in the schema registry's Avro wire format"} {
		if !strings.Contains(bad, w) {
			t.Errorf("_meta.bad lacks %q:\n%s", w, bad)
		}
	}
}
