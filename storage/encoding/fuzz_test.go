package encoding

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/coldata"
)

var writeFuzzSeeds = flag.Bool("write-fuzz-seeds", false,
	"rewrite testdata/fuzz/FuzzDecodeBlock from corpusBlocks; review the diff")

const fuzzSeedDir = "testdata/fuzz/FuzzDecodeBlock"

// FuzzDecodeBlock holds DecodeBlock to its contract on arbitrary input: no
// panic, every error wraps ErrCorrupt and leaves the Vec empty, BlockRows
// agrees, and whatever decodes encodes again to a block that decodes the
// same. Seeds are real encodings (TestWriteFuzzSeeds).
func FuzzDecodeBlock(f *testing.F) {
	f.Fuzz(checkDecodeBlock)
}

func checkDecodeBlock(t *testing.T, src []byte) {
	var d Decoder
	var v coldata.Vec
	err := d.DecodeBlock(src, &v)
	if err != nil {
		if !errors.Is(err, ErrCorrupt) {
			t.Fatalf("error does not wrap ErrCorrupt: %v", err)
		}
		if v.Len() != 0 {
			t.Fatalf("failed decode left %d rows", v.Len())
		}
		return
	}
	if n, err := BlockRows(src); err != nil || n != v.Len() {
		t.Fatalf("BlockRows = %d, %v; DecodeBlock gave %d rows", n, err, v.Len())
	}
	var d2 Decoder
	var v2 coldata.Vec
	if err := d2.DecodeBlock(AppendBlock(nil, &v), &v2); err != nil {
		t.Fatalf("re-encoded block: %v", err)
	}
	requireSameVec(t, &v, &v2)
	// Every third row alone: the same values there (an error is allowed,
	// since only the selected codes are checked against a dictionary, but
	// no panic).
	var sel []int
	for i := 1; i < v.Len(); i += 3 {
		sel = append(sel, i)
	}
	var d3 Decoder
	var v3 coldata.Vec
	if err := d3.DecodeBlockRows(src, &v3, sel); err != nil {
		t.Fatalf("rows %v of a block that decodes whole: %v", sel, err)
	}
	for _, i := range sel {
		if !identical(v3.Value(i), v.Value(i)) {
			t.Fatalf("row %d: %s, whole block %s", i, show(v3.Value(i)), show(v.Value(i)))
		}
	}
}

func TestWriteFuzzSeeds(t *testing.T) {
	if !*writeFuzzSeeds {
		t.Skip("run with -write-fuzz-seeds to rewrite the seed corpus")
	}
	if err := os.RemoveAll(fuzzSeedDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(fuzzSeedDir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, block := range corpusBlocks(t) {
		file := filepath.Join(fuzzSeedDir, strings.ReplaceAll(name, "/", "-"))
		data := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", block)
		if err := os.WriteFile(file, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFuzzSeedsDecode keeps the seed corpus in step with the format: a
// seed that no longer decodes only exercises the header checks.
func TestFuzzSeedsDecode(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fuzzSeedDir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	if len(files) < 10 {
		t.Fatalf("%d seeds in %s, want at least 10", len(files), fuzzSeedDir)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(data)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" ||
			!strings.HasPrefix(lines[1], "[]byte(") || !strings.HasSuffix(lines[1], ")") {
			t.Fatalf("%s: not a single []byte seed", file)
		}
		block, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "[]byte("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var d Decoder
		var v coldata.Vec
		if err := d.DecodeBlock([]byte(block), &v); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
}
