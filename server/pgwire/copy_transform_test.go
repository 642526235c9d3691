package pgwire

import (
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
)

// TestCopyIntoTransformedRefused: COPY cannot apply a field mapping query
// (ingest is above pgwire), so it refuses rather than bypass it.
func TestCopyIntoTransformedRefused(t *testing.T) {
	ts := newTestServer(t)
	if _, err := ts.eng.CreateCollection("commons", catalog.CollectionSpec{Name: "r", FieldMappingQuery: "SELECT k, COUNT(*) AS n FROM _input GROUP BY k"}); err != nil {
		t.Fatal(err)
	}
	conn := ts.connect(t)
	_, err := conn.PgConn().CopyFrom(ctx10s(t), strings.NewReader("k\na\n"), "COPY r FROM STDIN WITH (FORMAT csv, HEADER)")
	if err == nil || !strings.Contains(err.Error(), "field_mapping_query") {
		t.Fatalf("COPY into a rollup: %v", err)
	}
}
