package httpapi

import (
	"testing"

	"github.com/basaltdb/basalt/types"
)

// TestCollectionOptionsNotHonoured: a Rockset collection option Basalt does
// not honour is refused with NOTIMPLEMENTEDYET naming it when it asks for
// something other than its default, rather than accepted and answered with
// a value contradicting the request; its default is accepted.
func TestCollectionOptionsNotHonoured(t *testing.T) {
	a := newAPITest(t, types.Limits{}, 0)
	const colls = "/v1/orgs/self/ws/commons/collections"
	for _, tc := range []struct{ body, msgHas string }{
		{`{"name":"o2","insert_only":true}`, "option insert_only is not implemented yet"},
		{`{"name":"o2","read_only":true}`, "option read_only is not implemented yet"},
		{`{"name":"o2","storage_compression_type":"LZ4"}`, `option storage_compression_type is not implemented yet: "LZ4" is not available`},
		{`{"name":"o2","storage_compression_type":""}`, `option storage_compression_type is not implemented yet: "" is not available`},
		{`{"name":"o2","field_partitioning":[{"field_name":"country","type":"AUTO"}]}`, "option field_partitioning is not implemented yet"},
		{`{"name":"o2","field_schemas":[{"field_name":"zip","field_options":{"index_mode":"NO_INDEX"}}]}`, "option field_schemas is not implemented yet"},
		{`{"name":"o2","field_schemas":{"zip":{}}}`, "option field_schemas is not implemented yet"},
		{`{"name":"o2","field_mappings":[{"name":"m"}]}`, "option field_mappings is not implemented yet"},
		{`{"name":"o2","clustering_key":[{"field_name":"a"}]}`, "option clustering_key is not implemented yet"},
	} {
		a.expectError("POST", colls, tc.body, 501, "NOTIMPLEMENTEDYET", tc.msgHas)
	}
	a.expectError("GET", colls+"/o2", "", 404, "NOTFOUND", "o2")
	// A value of the wrong type is invalid input, not an option to refuse.
	a.expectError("POST", colls, `{"name":"o2","insert_only":"yes"}`, 400, "INVALIDINPUT", "insert_only")

	// Defaults, spelled out or null, are what Basalt does: accepted, and
	// answered as asked. Fields that are not Rockset options are ignored.
	for _, body := range []string{
		`{"name":"d1","insert_only":false,"read_only":false,"storage_compression_type":"ZSTD","field_partitioning":[],"field_schemas":[],"field_mappings":[],"clustering_key":[]}`,
		`{"name":"d2","insert_only":null,"read_only":null,"storage_compression_type":null,"field_partitioning":null,"field_schemas":null,"field_mappings":null,"clustering_key":null}`,
		`{"name":"d3","field_schemas":{},"storage_compression_type":"zstd","description":"kept","unknown_option":{"x":1}}`,
	} {
		c := data(a.ok("POST", colls, body))
		if c["insert_only"] != false || c["read_only"] != false || c["storage_compression_type"] != "ZSTD" {
			t.Fatalf("%s answered %v", body, c)
		}
	}
	if d := data(a.ok("GET", colls+"/d3", "")); d["description"] != "kept" {
		t.Fatalf("d3 = %v", d)
	}
}
