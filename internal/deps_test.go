package internal_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLayering checks the package layering of CONVENTIONS.md with go list:
// lower layers never import higher ones.
func TestLayering(t *testing.T) {
	const mod = "github.com/basaltdb/basalt/"
	// forbidden[pkg] lists module packages (prefixes) pkg must not depend on.
	forbidden := map[string][]string{
		"types":             {"coldata", "index", "storage", "catalog", "sql", "ingest", "server", "cmd"},
		"coldata":           {"index", "storage", "catalog", "sql", "ingest", "server", "cmd"},
		"index":             {"storage", "catalog", "sql", "ingest", "server", "cmd"},
		"storage/encoding":  {"index", "storage/segment", "storage/memseg", "storage/kv", "catalog", "sql", "ingest", "server", "cmd"},
		"storage/segment":   {"storage/memseg", "storage/kv", "catalog", "sql", "ingest", "server", "cmd"},
		"storage/memseg":    {"storage/segment", "storage/kv", "catalog", "sql", "ingest", "server", "cmd"},
		"storage/kv":        {"storage/segment", "storage/memseg", "catalog", "sql", "ingest", "server", "cmd"},
		"catalog":           {"storage/segment", "storage/memseg", "sql", "ingest", "server", "cmd"},
		"auth":              {"storage/segment", "storage/memseg", "storage/encoding", "index", "sql", "ingest", "server", "cmd"},
		"storage":           {"sql", "ingest", "server", "cmd"},
		"sql/ast":           {"storage", "catalog", "sql/parse", "sql/plan", "sql/exec", "sql/fn", "server", "cmd"},
		"sql/parse":         {"storage", "catalog", "sql/plan", "sql/exec", "sql/fn", "server", "cmd"},
		"sql/fn":            {"index", "storage", "catalog", "sql/ast", "sql/parse", "sql/plan", "sql/exec", "server", "cmd"},
		"sql/plan":          {"storage", "catalog", "sql/parse", "sql/exec", "server", "cmd"},
		"sql/exec":          {"sql/parse", "server", "cmd"},
		"sql":               {"server", "ingest", "cmd"},
		"ingest":            {"server", "cmd"},
		"ingest/kafka":      {"server", "cmd", "ingest/file", "ingest/filesource"},
		"ingest/filesource": {"server", "cmd", "ingest/kafka"},
		"ingest/file":       {"storage", "catalog", "sql", "server", "cmd", "ingest/kafka"},
		"ingest/transform":  {"server", "cmd"},
		"server/httpapi":    {"cmd"},
		"server/pgwire":     {"cmd", "ingest", "server/httpapi"},
		"server":            {"cmd"},
	}
	for pkg, bad := range forbidden {
		out, err := exec.Command("go", "list", "-deps", mod+pkg).Output()
		if err != nil {
			t.Fatalf("go list %s: %v", pkg, err)
		}
		for _, dep := range strings.Fields(string(out)) {
			if !strings.HasPrefix(dep, mod) {
				continue
			}
			rel := strings.TrimPrefix(dep, mod)
			for _, b := range bad {
				if rel == b || strings.HasPrefix(rel, b+"/") {
					// storage may import its own sub-packages.
					if pkg == "storage" && strings.HasPrefix(rel, "storage/") {
						continue
					}
					t.Errorf("%s depends on %s, which is above it", pkg, rel)
				}
			}
		}
	}
}
