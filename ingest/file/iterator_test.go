package file

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/parquet-go/parquet-go"
)

// drain reads every document, bad ones and stopped objects as lines
// "ERR pos: msg" / "STOP object: msg", good ones as "line: json".
func drain(t *testing.T, it *Iterator) []string {
	t.Helper()
	var out []string
	for {
		d, err := it.Next(context.Background())
		var de *DocError
		var oe *ObjectError
		switch {
		case err == io.EOF:
			return out
		case errors.As(err, &de):
			out = append(out, fmt.Sprintf("ERR %d: %s", de.Pos.Line, de.Msg))
		case errors.As(err, &oe):
			out = append(out, fmt.Sprintf("STOP %s", oe.Err))
		case err != nil:
			t.Fatal(err)
		default:
			out = append(out, fmt.Sprintf("%d@%d: %s", d.Pos.Line, d.Pos.Offset, d.Data))
		}
	}
}

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

func TestTextFormats(t *testing.T) {
	for _, tc := range []struct {
		name, format, text string
		want               []string
	}{
		{"a.ndjson", "", "{\"a\":1}\n\n  {\"b\":2}  \nnot json\n[1]\n{\"c\":3}", []string{
			`1@0: {"a":1}`, `3@9: {"b":2}`,
			"ERR 4: invalid JSON: invalid character 'o' in literal null (expecting 'u')",
			"ERR 5: a document must be a JSON object, got array", `6@34: {"c":3}`}},
		{"a.jsonl", "", "{\"a\":1}\r\n{\"a\":2}\r\n", []string{`1@0: {"a":1}`, `2@9: {"a":2}`}},
		{"empty.ndjson", "", "", nil},
		{"one.json", "", `{"_id": "o1", "v": [1, 2]}`, []string{`1@0: {"_id":"o1","v":[1,2]}`}},
		{"arr.json", "", "[\n {\"a\":1},\n 5,\n {\"b\":\n 2}\n]\n", []string{
			`2@3: {"a":1}`, "ERR 3: a document must be a JSON object, got number", `4@14: {"b":2}`}},
		{"concat.json", "", "{\"a\":1}\n{\"a\":2} {\"a\":3}", []string{`1@0: {"a":1}`, `2@7: {"a":2}`, `2@15: {"a":3}`}},
		{"broken.json", "", "[{\"a\":1},\n{\"a\": oops}]", []string{`1@1: {"a":1}`,
			"STOP bad JSON at line 2: invalid character 'o' looking for beginning of value"}},
		{"cut.json", "", "[{\"a\":1}, {\"a\"", []string{`1@1: {"a":1}`, "STOP JSON ends in the middle of a document"}},
		{"c.csv", "", "\xEF\xBB\xBFid,zip,n,f,b,e,s\nc1,02139,42,1.5,true,,hello\nc2,007,-3,1e3,false,x,\"a,b\"\nc3,4\n", []string{
			`2@20: {"id":"c1","zip":"02139","n":42,"f":1.5,"b":true,"e":null,"s":"hello"}`,
			`3@48: {"id":"c2","zip":"007","n":-3,"f":1000.0,"b":false,"e":"x","s":"a,b"}`,
			"ERR 4: 2 fields where the header names 7"}},
		{"dup.csv", "", "a,a\n1,2\n", []string{`STOP the header names "a" twice`}},
		{"quote.csv", "", "a\n1\n\"x\"y\n", []string{`2@2: {"a":1}`, `STOP bad CSV at line 3: extraneous or missing " in quoted-field`}},
		{"blank.json", "", "\n\n[{\"a\":1},\n{\"a\":2}]", []string{`3@3: {"a":1}`, `4@10: {"a":2}`}},
		{"sniff-nd", "", "{\"a\":1}\n", []string{`1@0: {"a":1}`}},
		{"sniff-arr", "", "  [{\"a\":1}]", []string{`1@3: {"a":1}`}},
		{"sniff-csv", "", "a\n1\n", []string{`2@2: {"a":1}`}},
		// An integer past int64 keeps its digits (an _id of them stays
		// itself); other numbers are written as numbers.
		{"big.csv", "", "_id,n\n12345678901234567890,1e2\n", []string{`2@6: {"_id":12345678901234567890,"n":100.0}`}},
		{"forced.txt", "ndjson", "{\"a\":1}\n", []string{`1@0: {"a":1}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, gzipped := range []bool{false, true} {
				name, data := tc.name, []byte(tc.text)
				if gzipped {
					name, data = name+".gz", gz(data)
				}
				p := writeFile(t, dir, name, data)
				it, err := Open(context.Background(), Config{Format: tc.format}, p)
				if err != nil {
					t.Fatal(err)
				}
				got := drain(t, it)
				if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
					t.Errorf("gzip=%v:\n got %q\nwant %q", gzipped, got, tc.want)
				}
				if read, total := it.Progress(); read != total || total != int64(len(data)) {
					t.Errorf("gzip=%v: progress %d of %d, want %d", gzipped, read, total, len(data))
				}
			}
		})
	}
}

// TestResume checks that After skips exactly the documents up to and
// including it, across objects and in every format.
func TestResume(t *testing.T) {
	dir := t.TempDir()
	var nd, js, cs strings.Builder
	js.WriteString("[")
	cs.WriteString("i\n")
	for i := range 50 {
		fmt.Fprintf(&nd, "{\"i\":%d}\n", i)
		if i > 0 {
			js.WriteString(",\n")
		}
		fmt.Fprintf(&js, "{\"i\":%d}", i)
		fmt.Fprintf(&cs, "%d\n", i)
	}
	js.WriteString("]")
	writeFile(t, dir, "d/1.ndjson", []byte(nd.String()))
	writeFile(t, dir, "d/2.json.gz", gz([]byte(js.String())))
	writeFile(t, dir, "d/3.csv", []byte(cs.String()))
	writeFile(t, dir, "d/4.parquet", parquetOf(t, 50))
	ctx := context.Background()
	all, err := Open(ctx, Config{}, filepath.Join(dir, "d/*"))
	if err != nil {
		t.Fatal(err)
	}
	var docs []Doc
	for {
		d, err := all.Next(ctx)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d.Data = bytes.Clone(d.Data)
		docs = append(docs, d)
	}
	if len(docs) != 200 {
		t.Fatalf("%d documents, want 200", len(docs))
	}
	for _, k := range []int{0, 1, 49, 50, 77, 99, 100, 149, 150, 151, 198, 199} {
		after := docs[k].Pos
		it, err := Open(ctx, Config{After: &after}, filepath.Join(dir, "d/*"))
		if err != nil {
			t.Fatal(err)
		}
		n := k + 1
		for {
			d, err := it.Next(ctx)
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if n >= len(docs) || d.Pos != docs[n].Pos || !bytes.Equal(d.Data, docs[n].Data) {
				t.Fatalf("after %v: got %v %s, want document %d", after, d.Pos, d.Data, n)
			}
			n++
		}
		if n != len(docs) {
			t.Fatalf("after %v: stopped at %d", after, n)
		}
	}
	if _, err := Open(ctx, Config{After: &Position{Object: "/elsewhere"}}, filepath.Join(dir, "d/*")); err == nil {
		t.Fatal("a position in another object resumed")
	}
}

func TestGlob(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []string{"b.ndjson", "a.ndjson", "c.csv", "sub/d.ndjson"} {
		writeFile(t, dir, n, []byte("{\"x\":1}\n"))
	}
	objs, err := List(context.Background(), Config{}, filepath.Join(dir, "*.ndjson"), filepath.Join(dir, "*"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, o := range objs {
		names = append(names, strings.TrimPrefix(o.Name, dir+"/"))
		if o.Size != 8 {
			t.Errorf("%s: size %d", o.Name, o.Size)
		}
	}
	if got := strings.Join(names, " "); got != "a.ndjson b.ndjson c.csv" {
		t.Fatalf("objects %s", got)
	}
	if _, err := List(context.Background(), Config{}, filepath.Join(dir, "*.nope")); err == nil || !strings.Contains(err.Error(), "no file matches") {
		t.Fatalf("empty glob: %v", err)
	}
	if _, err := List(context.Background(), Config{}, filepath.Join(dir, "sub")); err == nil || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("directory: %v", err)
	}
}

func TestStdin(t *testing.T) {
	it, err := Open(context.Background(), Config{Stdin: bytes.NewReader(gz([]byte("{\"a\":1}\n")))}, Stdin)
	if err != nil {
		t.Fatal(err)
	}
	if got := drain(t, it); len(got) != 1 || got[0] != `1@0: {"a":1}` {
		t.Fatalf("stdin: %q", got)
	}
	if _, total := it.Progress(); total != -1 {
		t.Fatalf("stdin total %d", total)
	}
}

type pqInner struct {
	X int32  `parquet:"x"`
	S string `parquet:"s"`
}

type pqRow struct {
	ID   int64             `parquet:"id"`
	Name *string           `parquet:"name,optional"`
	TS   time.Time         `parquet:"ts,timestamp(millisecond)"`
	Tags []string          `parquet:"tags,list"`
	Rep  []int32           `parquet:"rep"`
	In   *pqInner          `parquet:"in,optional"`
	Ins  []pqInner         `parquet:"ins,list"`
	M    map[string]int64  `parquet:"m"`
	F    float64           `parquet:"f"`
	B    []byte            `parquet:"b"`
	Ok   bool              `parquet:"ok"`
	Dec  int64             `parquet:"dec,decimal(2:10)"`
	Opt  map[string]string `parquet:"opt,optional"`
}

// parquetOf writes n rows {"i": 0..n-1} with parquet-go, in row groups of
// 16 rows so a resume crosses them.
func parquetOf(t testing.TB, n int) []byte {
	type row struct {
		I int64 `parquet:"i"`
	}
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[row](&buf, parquet.MaxRowsPerRowGroup(16))
	for i := range n {
		if _, err := w.Write([]row{{I: int64(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestParquet(t *testing.T) {
	name := "ann"
	var buf bytes.Buffer
	w := parquet.NewGenericWriter[pqRow](&buf)
	if _, err := w.Write([]pqRow{
		{ID: 1, Name: &name, TS: time.Date(2024, 3, 1, 12, 30, 0, 5e6, time.UTC), Tags: []string{"x", "y"}, Rep: []int32{1, 2},
			In: &pqInner{3, "s"}, Ins: []pqInner{{1, "a"}, {2, "b"}}, M: map[string]int64{"k": 4, "a": 5}, F: 1.5,
			B: []byte{0xff, 0}, Ok: true, Dec: -1234},
		{ID: 2, TS: time.Unix(0, 0).UTC(), B: []byte("text"), Dec: 5},
	}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	p := writeFile(t, dir, "x.parquet", buf.Bytes())
	p2 := writeFile(t, dir, "noext", buf.Bytes()) // sniffed by its magic
	bad := writeFile(t, dir, "bad.parquet", []byte("PAR1 not really"))
	for _, path := range []string{p, p2} {
		it, err := Open(context.Background(), Config{}, path)
		if err != nil {
			t.Fatal(err)
		}
		got := drain(t, it)
		want := []string{
			`0@0: {"id":1,"name":"ann","ts":"2024-03-01T12:30:00.005Z","tags":["x","y"],"rep":[1,2],"in":{"x":3,"s":"s"},"ins":[{"x":1,"s":"a"},{"x":2,"s":"b"}],"m":{"a":5,"k":4},"f":1.5,"b":"/wA=","ok":true,"dec":-12.34,"opt":null}`,
			`0@1: {"id":2,"name":null,"ts":"1970-01-01T00:00:00Z","tags":[],"rep":[],"in":null,"ins":[],"m":{},"f":0,"b":"text","ok":false,"dec":0.05,"opt":null}`,
		}
		if strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n got %s\nwant %s", path, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	it, err := Open(context.Background(), Config{}, bad, p)
	if err != nil {
		t.Fatal(err)
	}
	got := drain(t, it)
	if len(got) != 3 || !strings.HasPrefix(got[0], "STOP bad Parquet") {
		t.Fatalf("bad parquet: %q", got)
	}
}

func TestDerivedID(t *testing.T) {
	a := DerivedID(Position{Object: "/data/a.ndjson", Offset: 17})
	if a != DerivedID(Position{Object: "/data/a.ndjson", Offset: 17, Line: 3}) {
		t.Fatal("the id depends on the line")
	}
	if a == DerivedID(Position{Object: "/data/b.ndjson", Offset: 17}) || a == DerivedID(Position{Object: "/data/a.ndjson", Offset: 18}) {
		t.Fatal("two positions share an id")
	}
	if !strings.HasSuffix(a, "-17") || len(a) != 23 {
		t.Fatalf("id %q", a)
	}
}
