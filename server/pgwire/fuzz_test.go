package pgwire

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// FuzzConnection feeds arbitrary bytes to a connection, after a valid
// startup or instead of one: the connection answers or closes, and never
// panics or hangs.
func FuzzConnection(f *testing.F) {
	startup, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "f"}}).Encode(nil)
	query, _ := (&pgproto3.Query{String: "SELECT 1"}).Encode(nil)
	parse, _ := (&pgproto3.Parse{Name: "s", Query: "SELECT $1"}).Encode(nil)
	bind, _ := (&pgproto3.Bind{PreparedStatement: "s", Parameters: [][]byte{[]byte("x")}}).Encode(nil)
	f.Add(true, query)
	f.Add(true, append(parse, bind...))
	f.Add(false, startup)
	f.Add(false, []byte{0, 0, 0, 8, 4, 210, 22, 47})
	f.Add(true, []byte("Q\x00\x00\x00\x04"))
	ts := newTestServer(f, func(c *Config) { c.StartupTimeout = 200 * time.Millisecond })
	f.Fuzz(func(t *testing.T, withStartup bool, data []byte) {
		client, server := net.Pipe()
		c := newConn(ts.srv, server)
		done := make(chan struct{})
		go func() {
			defer close(done)
			c.serve()
		}()
		go func() {
			_, _ = io.Copy(io.Discard, client)
		}()
		_ = client.SetWriteDeadline(time.Now().Add(time.Second))
		if withStartup {
			_, _ = client.Write(startup)
		}
		_, _ = client.Write(data)
		// Terminate, so a connection waiting for more input ends.
		_, _ = client.Write([]byte{'X', 0, 0, 0, 4})
		client.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatal("connection did not end")
		}
	})
}

// FuzzParseCopy checks that any statement text is either rejected or
// parsed without a panic.
func FuzzParseCopy(f *testing.F) {
	for _, s := range []string{
		"COPY c FROM STDIN WITH (FORMAT csv, HEADER)",
		`copy "ws"."c" (a, "B") from stdin with csv header delimiter as ';' null as ''`,
		"COPY c FROM STDIN (FORMAT ndjson);",
		"COPY c TO STDOUT",
		"COPY (SELECT 1) TO STDOUT",
		"COPY (SELECT ')' AS \"(\" FROM t WHERE (a)) TO STDOUT (FORMAT csv, HEADER, FORCE_QUOTE *)",
		"copy ws.c (a, b) to stdout with csv header delimiter ';' null 'NA'",
		"copy e'\\x' from stdin",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_, _, _ = parseCopy(s)
		_ = rewriteCatalogText(s)
	})
}

// FuzzCopyBinary sends arbitrary bytes as a binary COPY stream: the COPY
// completes or fails with an error, and the connection stays in step.
func FuzzCopyBinary(f *testing.F) {
	i8 := func(v int64) []byte { return binary.BigEndian.AppendUint64(nil, uint64(v)) }
	f.Add(binCopy([][][]byte{{[]byte("a"), i8(1), append([]byte{1}, `{"x": 1}`...)}, {[]byte("b"), nil, nil}}, true))
	f.Add(binCopy([][][]byte{{[]byte("a")}}, false))
	f.Add([]byte(copySignature))
	ts := newTestServer(f)
	ts.load(f, "commons", "fz", `{"_id": "seed", "n": 1, "j": {"a": 1}}`)
	conn := ts.connect(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_, _ = conn.PgConn().CopyFrom(ctx, bytes.NewReader(data), "COPY fz (_id, n, j) FROM STDIN (FORMAT binary)")
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil || one != 1 {
			t.Fatalf("after COPY of %q: %v", data, err)
		}
	})
}
