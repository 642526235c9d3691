package kafka

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
	"github.com/basaltdb/basalt/storage"
)

// TestKafkaRecordSemantics covers what a record turns into: `_op` as in
// Rockset's CDC, arrays of documents, derived _ids, and records that do
// not decode or whose document the write refuses, which go to _meta.bad
// with their reason without stopping the partition.
func TestKafkaRecordSemantics(t *testing.T) {
	addrs := startCluster(t, 2, "cdc")
	prod := newProducer(t, addrs)
	n := openNode(t, t.TempDir())
	defer n.Close()
	col := n.createSource(addrs, "cdc", "cdc", "")
	produce(t, prod, "cdc", 0,
		`{"_id":"a","v":1,"name":"alpha"}`,
		`{"_id":"b","v":2}`,
		`not json at all`,
		`[{"_id":"c","v":3},{"v":4,"tag":"derived"}]`,
		`42`,
		`{"_id":"a","_op":"UPDATE","v":10}`,          // merges: name stays
		`{"_id":"b","_op":"DELETE"}`,                 // deletes b
		`{"_id":"c","_op":"REPLACE","v":30}`,         // replaces c whole
		`{"_id":"e","_op":"UPSERT","v":5}`,           // inserts e
		`{"_id":"e","_op":"REPSERT","v":6,"x":true}`, // replaces e
		`{"_id":"zz","_op":"UPDATE","v":99}`,         // missing: error, not stored
		`{"_id":"e","_op":"INSERT","v":7}`,           // exists: error
		`{"_id":"f","_op":"bogus","v":8}`,            // bad _op: error
	)
	produce(t, prod, "cdc", 1, `{"_id":"p1","v":100}`, `{"unterminated":`)
	ingesttest.WaitFor(t, "the records to be consumed", 10*time.Second, func() bool {
		st, _ := n.Mgr.Status(col.Sources[0].ID)
		return st.Records >= 16
	})
	got := ingesttest.RowsText(n.Query(`SELECT _id, v, name, x, tag FROM cdc ORDER BY v`))
	id4 := col.Sources[0].ID + ":cdc/0/3#1"
	want := `"` + id4 + `" 4 null null "derived"` + "\n" +
		`"e" 6 null true null` + "\n" +
		`"a" 10 "alpha" null null` + "\n" +
		`"c" 30 null null null` + "\n" +
		`"p1" 100 null null null` + "\n"
	if got != want {
		t.Fatalf("documents:\n%s\nwant:\n%s", got, want)
	}
	st, _ := n.Mgr.Status(col.Sources[0].ID)
	if st.BadRecords != 3 || st.ErrorDocuments != 3 {
		t.Fatalf("status: %d bad records, %d rejected documents; want 3 and 3", st.BadRecords, st.ErrorDocuments)
	}
	// Both kinds are kept: the records that did not decode, and those
	// whose document the write refused.
	bad := ingesttest.RowsText(n.Query(`SELECT position, error FROM _meta.bad ORDER BY position`))
	if want := `"cdc/0/10" "record cdc/0/10: document with _id \"zz\" does not exist"
"cdc/0/11" "record cdc/0/11: document with _id \"e\" already exists (_op INSERT)"
"cdc/0/12" "record cdc/0/12: field _op is \"bogus\"; want INSERT, UPDATE, UPSERT, DELETE, REPLACE or REPSERT"
"cdc/0/2" "record cdc/0/2 is not valid JSON: invalid JSON at byte 0: unexpected character 'n'"
"cdc/0/4" "record cdc/0/4 holds a JSON int; want an object or an array of objects"
"cdc/1/1" "record cdc/1/1 is not valid JSON: invalid JSON at byte 16: unexpected end of input"
`; bad != want {
		t.Errorf("_meta.bad:\n%s\nwant:\n%s", bad, want)
	}
	if st.State != ingest.StateWatching && st.State != ingest.StateProcessing {
		t.Errorf("state %s (%s)", st.State, st.Message)
	}
}

// TestKafkaTransformErrorKeptInBad: a record the collection's field
// mapping query fails on is counted, kept in _meta.bad with its position
// and the failing field and expression, and its partition goes on. Read
// again from an earlier offset, it replaces its _meta.bad record rather
// than adding a second one.
func TestKafkaTransformErrorKeptInBad(t *testing.T) {
	addrs := startCluster(t, 1, "tx")
	prod := newProducer(t, addrs)
	produce(t, prod, "tx", 0, `{"_id":"a","p":"1"}`, `{"_id":"b","p":"zz"}`, `{"_id":"c","p":"3"}`)
	dir := t.TempDir()
	n := openNode(t, dir)
	col := n.createSourceQuery(addrs, "tx", "ktx", "EARLIEST", `SELECT _id, CAST(p AS int) AS p FROM _input`)
	check := func(when string) {
		t.Helper()
		ingesttest.WaitFor(t, "the records to be consumed "+when, 10*time.Second, func() bool {
			st := n.Status("ktx")
			return st.Records >= 3 && len(n.BadRows("ktx")) > 0
		})
		time.Sleep(200 * time.Millisecond) // a second _meta.bad record would show now
		if got, want := ingesttest.RowsText(n.Query(`SELECT _id, p FROM ktx ORDER BY _id`)), "\"a\" 1\n\"c\" 3\n"; got != want {
			t.Fatalf("%s: documents\n%s\nwant\n%s", when, got, want)
		}
		if st := n.Status("ktx"); st.Records != 3 || st.Documents != 2 || st.ErrorDocuments != 1 || st.BadRecords != 0 {
			t.Fatalf("%s: status %d records, %d documents, %d error documents, %d bad records; want 3, 2, 1, 0",
				when, st.Records, st.Documents, st.ErrorDocuments, st.BadRecords)
		}
		bad := n.BadRows("ktx")
		if len(bad) != 1 {
			t.Fatalf("%s: %d _meta.bad records, want 1:\n%s", when, len(bad), ingesttest.RowsText(bad))
		}
		pos, msg, rec := bad[0][0].Str(), bad[0][1].Str(), bad[0][2].Str()
		if pos != "tx/0/1" || !strings.Contains(msg, "tx/0/1") || !strings.Contains(msg, `field "p"`) || !strings.Contains(msg, "CAST") || !strings.Contains(rec, `"zz"`) {
			t.Fatalf("%s: _meta.bad record %s", when, ingesttest.RowsText(bad))
		}
		t.Logf("%s: %s", when, msg)
	}
	check("at first")

	// Read the partition again from its start, as a crash before the
	// offset committed would.
	n.Close()
	eng, err := storage.Open(storage.Options{Dir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ck := []storage.Checkpoint{{Source: col.Sources[0].ID + "/0", Value: []byte("0")}}
	if _, _, err := eng.WriteAt(context.Background(), "commons", "ktx", nil, ck); err != nil {
		t.Fatal(err)
	}
	if err := eng.Close(); err != nil {
		t.Fatal(err)
	}
	n = openNode(t, dir)
	defer n.Close()
	check("after the partition was read again")
	if r := n.replaced("ktx"); r != 2 {
		t.Fatalf("%d documents replaced on the second reading, want 2", r)
	}
}
