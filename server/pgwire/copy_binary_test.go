package pgwire

import (
	"context"
	"encoding/binary"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// TestCopyBinaryPgx loads rows with pgx's CopyFrom, which sends COPY's
// binary format encoded as the types Basalt describes for `SELECT cols
// FROM coll`.
func TestCopyBinaryPgx(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "m", `{"_id": "seed", "i": 1, "f": 1.5, "b": true, "s": "x", "j": {"a": 1}, "arr": [1], "_event_time": "2024-01-01T00:00:00Z"}`)
	ctx := ctx10s(t)

	var mu sync.Mutex
	var notices []string
	cfg, err := pgx.ParseConfig(ts.url("basalt"))
	if err != nil {
		t.Fatal(err)
	}
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, n.Severity+" "+n.Code+" "+n.Message+": "+n.Detail)
	}
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	// A timestamp-valued field, inserted with a binary timestamptz parameter.
	t0 := time.Date(2024, 5, 6, 7, 8, 9, 123456000, time.UTC)
	if _, err := conn.Exec(ctx, "INSERT INTO m (_id, ts) VALUES ('seed2', $1::timestamptz)", t0); err != nil {
		t.Fatal(err)
	}

	cols := []string{"_id", "i", "f", "b", "s", "ts", "j", "arr", "_event_time"}
	const n = 5000
	var rows [][]any
	for k := 0; k < n; k++ {
		r := []any{fmt.Sprintf("r%05d", k), int64(k), float64(k) / 4, k%2 == 0, fmt.Sprintf("s%d", k),
			t0.Add(time.Duration(k) * time.Second), map[string]any{"k": k, "tags": []any{"a", "b"}}, []any{k, "x"},
			time.Date(2024, 2, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(k) * time.Minute)}
		switch {
		case k%100 == 7:
			// NULLs in every column but _id and _event_time.
			for j := 1; j < len(r)-1; j++ {
				r[j] = nil
			}
		case k == 4321:
			r[4] = "bad \xff utf-8" // rejected by the server, the rest written
		case k == 11:
			r[1] = int32(11) // narrower Go types encode as the described int8/float8
			r[2] = float32(2.75)
		}
		rows = append(rows, r)
	}
	got, err := conn.CopyFrom(ctx, pgx.Identifier{"m"}, cols, pgx.CopyFromRows(rows))
	if err != nil {
		t.Fatal(err)
	}
	if got != n-1 {
		t.Fatalf("CopyFrom wrote %d rows, want %d", got, n-1)
	}
	mu.Lock()
	if len(notices) != 1 || !strings.Contains(notices[0], "22P04 1 rows rejected") || !strings.Contains(notices[0], "line 4322: column s: invalid byte sequence") {
		t.Errorf("notices: %q", notices)
	}
	mu.Unlock()

	var cnt, sum int64
	if err := conn.QueryRow(ctx, "SELECT count(*), sum(i) FROM m WHERE _id LIKE 'r%'").Scan(&cnt, &sum); err != nil {
		t.Fatal(err)
	}
	wantSum := int64(0)
	for k := 0; k < n; k++ {
		if k%100 != 7 && k != 4321 {
			wantSum += int64(k)
		}
	}
	if cnt != n-1 || sum != wantSum {
		t.Errorf("count %d sum %d, want %d %d", cnt, sum, n-1, wantSum)
	}
	var kinds string
	if err := conn.QueryRow(ctx, "SELECT typeof(i) || typeof(f) || typeof(b) || typeof(s) || typeof(ts) || typeof(j) || typeof(arr) || typeof(_event_time) FROM m WHERE _id = 'r00011'").Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	if kinds != "intfloatboolstringtimestampobjectarraytimestamp" {
		t.Errorf("kinds %s", kinds)
	}
	var (
		f     float64
		s     string
		tsv   time.Time
		jk    int64
		tag   string
		ev    time.Time
		nulls string
	)
	if err := conn.QueryRow(ctx, "SELECT f, s, ts, j.k, j.tags[2], _event_time FROM m WHERE _id = 'r00011'").Scan(&f, &s, &tsv, &jk, &tag, &ev); err != nil {
		t.Fatal(err)
	}
	if f != 2.75 || s != "s11" || !tsv.Equal(t0.Add(11*time.Second)) || jk != 11 || tag != "b" || !ev.Equal(time.Date(2024, 2, 1, 0, 11, 0, 0, time.UTC)) {
		t.Errorf("r00011: %v %q %v %v %q %v", f, s, tsv, jk, tag, ev)
	}
	if err := conn.QueryRow(ctx, "SELECT typeof(i) || typeof(s) || typeof(ts) || typeof(j) FROM m WHERE _id = 'r00107'").Scan(&nulls); err != nil {
		t.Fatal(err)
	}
	if nulls != "nullnullnullnull" {
		t.Errorf("NULL row: %s", nulls)
	}

	// Another connection turns i into ints and floats; this connection's
	// pgx keeps the description it cached (i is int8) and encodes as it
	// says, and the server decodes as it promised on this connection.
	other := ts.connect(t)
	if _, err := other.Exec(ctx, "INSERT INTO m (_id, i) VALUES ('fl', 0.5)"); err != nil {
		t.Fatal(err)
	}
	if got, err := conn.CopyFrom(ctx, pgx.Identifier{"m"}, cols, pgx.CopyFromRows([][]any{{"again", int64(77), 1.0, true, "s", t0, nil, nil, t0}})); err != nil || got != 1 {
		t.Fatalf("second CopyFrom: %d %v", got, err)
	}
	var i77 string
	if err := conn.QueryRow(ctx, "SELECT typeof(i) || ' ' || i::text FROM m WHERE _id = 'again'").Scan(&i77); err != nil || i77 != "int 77" {
		t.Fatalf("again: %q %v", i77, err)
	}
	// A fresh connection describes i as float8 now; CopyFrom encodes an
	// int64 as float8 and the field is a float.
	if got, err := other.CopyFrom(ctx, pgx.Identifier{"commons", "m"}, []string{"_id", "i"}, pgx.CopyFromRows([][]any{{"fresh", int64(5)}})); err != nil || got != 1 {
		t.Fatalf("other CopyFrom: %d %v", got, err)
	}
	var fresh string
	if err := conn.QueryRow(ctx, "SELECT typeof(i) FROM m WHERE _id = 'fresh'").Scan(&fresh); err != nil || fresh != "float" {
		t.Fatalf("fresh: %q %v", fresh, err)
	}

	// QueryExecModeExec: pgx describes with an unnamed statement instead.
	cfg2, _ := pgx.ParseConfig(ts.url("basalt"))
	cfg2.DefaultQueryExecMode = pgx.QueryExecModeExec
	conn2, err := pgx.ConnectConfig(ctx, cfg2)
	if err != nil {
		t.Fatal(err)
	}
	defer conn2.Close(context.Background())
	if got, err := conn2.CopyFrom(ctx, pgx.Identifier{"m"}, []string{"_id", "b", "j"}, pgx.CopyFromRows([][]any{{"exec1", false, []any{1}}, {"exec2", nil, map[string]any{}}})); err != nil || got != 2 {
		t.Fatalf("exec-mode CopyFrom: %d %v", got, err)
	}
	// A missing collection.
	if _, err := conn.CopyFrom(ctx, pgx.Identifier{"nope"}, []string{"a"}, pgx.CopyFromRows([][]any{{"x"}})); pgCode(err) != "42P01" {
		t.Errorf("missing collection: %v", err)
	}
}

// binCopy builds a binary COPY stream: header, rows (nil is NULL), trailer.
func binCopy(rows [][][]byte, trailer bool) []byte {
	b := []byte(copySignature)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, 4) // a header extension, skipped
	b = append(b, "ext!"...)
	for _, r := range rows {
		b = binary.BigEndian.AppendUint16(b, uint16(len(r)))
		for _, f := range r {
			if f == nil {
				b = binary.BigEndian.AppendUint32(b, 0xffffffff)
				continue
			}
			b = binary.BigEndian.AppendUint32(b, uint32(len(f)))
			b = append(b, f...)
		}
	}
	if trailer {
		b = binary.BigEndian.AppendUint16(b, 0xffff)
	}
	return b
}

// TestCopyBinaryRaw sends hand-built binary COPY streams for columns never
// described on the connection: the server describes them itself.
func TestCopyBinaryRaw(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "r", `{"_id": "seed", "n": 1, "j": {"a": 1}}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	pc := conn.PgConn()
	i8 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	good := [][]byte{[]byte("a"), i8(5), append([]byte{1}, `{"x": [1, 2]}`...)}
	data := binCopy([][][]byte{
		good,
		{[]byte("b"), i8(6)},                // two fields of three: rejected
		{[]byte("c"), []byte{1, 2, 3}, nil}, // an int8 of 3 bytes: rejected
		{[]byte("d"), nil, append([]byte{2}, `{}`...)}, // jsonb version 2: rejected
		{[]byte("e"), nil, append([]byte{1}, `[1`...)}, // bad JSON: rejected
		{[]byte("f"), i8(-1), nil},
	}, true)
	tag, err := pc.CopyFrom(ctx, strings.NewReader(string(data)), `COPY "r" ("_id", n, j) FROM STDIN WITH (FORMAT binary)`)
	if err != nil || tag.String() != "COPY 2" {
		t.Fatalf("COPY: %v %v", tag, err)
	}
	var desc string
	if err := conn.QueryRow(ctx, "SELECT string_agg(_id || ':' || typeof(n) || ':' || typeof(j), ',' ORDER BY _id) FROM r").Scan(&desc); err != nil {
		t.Fatal(err)
	}
	if desc != "a:int:object,f:int:null,seed:int:object" {
		t.Errorf("rows: %s", desc)
	}
	// No trailer is accepted; the legacy spelling pgx uses.
	if tag, err := pc.CopyFrom(ctx, strings.NewReader(string(binCopy([][][]byte{{[]byte("g"), i8(1), nil}}, false))), `copy "r" ( "_id", "n", "j" ) from stdin binary;`); err != nil || tag.String() != "COPY 1" {
		t.Fatalf("no trailer: %v %v", tag, err)
	}
	// Broken streams fail the COPY with 22P04; the connection stays usable.
	whole := binCopy([][][]byte{good}, true)
	for name, bad := range map[string][]byte{
		"signature": append([]byte("PGCOPY\n\377\r\n\001"), whole[11:]...),
		"truncated": whole[:len(whole)-6],
		"header":    whole[:9],
		"size":      append(binCopy(nil, false), 0, 1, 0xff, 0xff, 0xff, 0xf0),
	} {
		if _, err := pc.CopyFrom(ctx, strings.NewReader(string(bad)), `COPY r (_id, n, j) FROM STDIN (FORMAT binary)`); pgCode(err) != "22P04" {
			t.Errorf("%s: %v, want 22P04", name, err)
		}
	}
	// OIDs in the header, HEADER, and no column list are refused.
	withOIDs := append([]byte(nil), whole...)
	withOIDs[12] = 1 // flags bit 16
	if _, err := pc.CopyFrom(ctx, strings.NewReader(string(withOIDs)), `COPY r (_id) FROM STDIN (FORMAT binary)`); pgCode(err) != "0A000" {
		t.Errorf("OIDs: %v", err)
	}
	for _, q := range []string{"COPY r FROM STDIN (FORMAT binary)", "COPY r (_id) FROM STDIN (FORMAT binary, HEADER)"} {
		if _, err := pc.CopyFrom(ctx, strings.NewReader(string(whole)), q); pgCode(err) != "0A000" {
			t.Errorf("%s: %v", q, err)
		}
	}
	var cnt int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM r").Scan(&cnt); err != nil || cnt != 4 {
		t.Fatalf("count %d %v", cnt, err)
	}
}

func TestCopyBinaryValue(t *testing.T) {
	for _, c := range []struct {
		b    []byte
		oid  uint32
		want string // the value's JSON, or "error: …" (a prefix)
	}{
		{[]byte{0, 7}, oidInt2, "7"},
		{[]byte{0xff, 0xff, 0xff, 0xfe}, oidInt4, "-2"},
		{[]byte{0x3f, 0xc0, 0, 0}, oidFloat4, "1.5"},
		{[]byte{1}, oidBool, "true"},
		{[]byte("hé"), oidVarchar, `"hé"`},
		{[]byte("x"), oidBytea, "error: bytea values are not supported"},
		{[]byte{0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, oidTimestamptz, "error: infinite"},
		{[]byte{0, 0, 0, 1}, oidDate, `"2000-01-02T00:00:00.000000Z"`},
		{[]byte(`{"a":null}`), oidJSON, `{"a":null}`},
		{[]byte{1}, oidJSONB, "error: invalid input syntax for type json"},
		{[]byte{1, 2}, oidInt8, "error: incorrect binary data format for type int8 (2 bytes)"},
	} {
		v, err := copyBinaryValue(c.b, c.oid)
		got := ""
		if err != nil {
			got = "error: " + err.Error()
		} else {
			got = v.JSON()
		}
		if !strings.HasPrefix(got, c.want) {
			t.Errorf("%v as %d: %s, want %s", c.b, c.oid, got, c.want)
		}
	}
}
