package kafka

import (
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/ingest"
	"github.com/basaltdb/basalt/internal/ingesttest"
)

// TestKafkaRecordSemantics covers what a record turns into: `_op` as in
// Rockset's CDC, arrays of documents, derived _ids, and records that do
// not decode, which go to _meta.bad with their reason without stopping the
// partition.
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
	bad := ingesttest.RowsText(n.Query(`SELECT position, error FROM _meta.bad ORDER BY position`))
	for _, w := range []string{`"cdc/0/2" "record cdc/0/2 is not valid JSON`, `"cdc/0/4" "record cdc/0/4 holds a JSON int`, `"cdc/1/1" "record cdc/1/1 is not valid JSON`} {
		if !strings.Contains(bad, w) {
			t.Errorf("_meta.bad lacks %q:\n%s", w, bad)
		}
	}
	if st.State != ingest.StateWatching && st.State != ingest.StateProcessing {
		t.Errorf("state %s (%s)", st.State, st.Message)
	}
}
