package pgwire

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/binary"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/basaltdb/basalt/internal/pgoracle"
	"github.com/basaltdb/basalt/internal/testcert"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgproto3"
)

func TestCopyFromStdin(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "c", `{"_id": "seed"}`)
	conn := ts.connect(t)
	ctx := ctx10s(t)
	pc := conn.PgConn()

	csv := "_id,n,f,ok,name,empty\n" +
		"a,1,1.5,true,ann,\n" +
		"b,-2,2e3,false,\"b,ob\",\n" +
		"c,007,x,maybe,cid,\n" +
		"d,1\n" // wrong field count: rejected, counted
	tag, err := pc.CopyFrom(ctx, strings.NewReader(csv), "COPY c FROM STDIN WITH (FORMAT csv, HEADER)")
	if err != nil {
		t.Fatal(err)
	}
	if tag.String() != "COPY 3" {
		t.Fatalf("tag %q", tag)
	}
	var kinds string
	if err := conn.QueryRow(ctx, "SELECT typeof(n) || ' ' || typeof(f) || ' ' || typeof(ok) || ' ' || typeof(empty) FROM c WHERE _id = 'a'").Scan(&kinds); err != nil {
		t.Fatal(err)
	}
	if kinds != "int float bool null" {
		t.Errorf("a: %s", kinds)
	}
	var n, f string
	if err := conn.QueryRow(ctx, "SELECT n::text, f FROM c WHERE _id = 'c'").Scan(&n, &f); err != nil {
		t.Fatal(err)
	}
	if n != "007" || f != "x" {
		t.Errorf("c: n=%q f=%q (a zero-led number and a word stay strings)", n, f)
	}

	// Integer _ids past int64 keep their digits (they were one rounded
	// float, so the second replaced the first).
	if tag, err = pc.CopyFrom(ctx, strings.NewReader("_id\n12345678901234567890\n12345678901234567891\n"), "COPY c FROM STDIN (FORMAT csv, HEADER)"); err != nil || tag.String() != "COPY 2" {
		t.Fatalf("big ids: %v %v", tag, err)
	}
	var ids string
	if err := conn.QueryRow(ctx, "SELECT string_agg(_id, ' ' ORDER BY _id) FROM c WHERE _id LIKE '1234%'").Scan(&ids); err != nil || ids != "12345678901234567890 12345678901234567891" {
		t.Fatalf("big ids: %q %v", ids, err)
	}

	text := "t1\t10\thello\\tworld\nt2\t\\N\tx\n"
	if tag, err = pc.CopyFrom(ctx, strings.NewReader(text), "copy commons.c (_id, n, s) from stdin"); err != nil || tag.String() != "COPY 2" {
		t.Fatalf("text: %v %v", tag, err)
	}
	var s string
	if err := conn.QueryRow(ctx, "SELECT s FROM c WHERE _id = 't1'").Scan(&s); err != nil || s != "hello\tworld" {
		t.Fatalf("text escape: %q %v", s, err)
	}

	ndjson := `{"_id": "j1", "nested": {"a": [1, 2]}}` + "\n" + `not json` + "\n" + `{"_id": "j2"}`
	if tag, err = pc.CopyFrom(ctx, strings.NewReader(ndjson), "COPY c FROM STDIN (FORMAT ndjson)"); err != nil || tag.String() != "COPY 2" {
		t.Fatalf("ndjson: %v %v", tag, err)
	}
	// NULL given before FORMAT csv is kept (csv's default NULL is '').
	if tag, err = pc.CopyFrom(ctx, strings.NewReader("n1,NA,\n"), "COPY c (_id, n, e) FROM STDIN (NULL 'NA', FORMAT csv)"); err != nil || tag.String() != "COPY 1" {
		t.Fatalf("csv with NULL 'NA': %v %v", tag, err)
	}
	if err := conn.QueryRow(ctx, "SELECT typeof(n) || ' ' || typeof(e) FROM c WHERE _id = 'n1'").Scan(&kinds); err != nil || kinds != "null string" {
		t.Fatalf("n1: %q %v", kinds, err)
	}
	var cnt int64
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM c").Scan(&cnt); err != nil || cnt != 11 { // 9, and the two big ids
		t.Fatalf("count %d %v", cnt, err)
	}

	// Errors: a missing collection, an unsupported format.
	for sql, code := range map[string]string{
		"COPY nope FROM STDIN (FORMAT csv, HEADER)":           "42P01",
		"COPY c FROM STDIN (FORMAT binary)":                   "0A000",
		"COPY c FROM STDIN (FORMAT csv)":                      "0A000", // no column list, no header
		"COPY c (a) FROM STDIN (FORMAT csv, FORCE_QUOTE (a))": "0A000",
	} {
		_, err := pc.CopyFrom(ctx, strings.NewReader("x\n1\n"), sql)
		if pgCode(err) != code {
			t.Errorf("%s: %v, want %s", sql, err, code)
		}
	}
	// The connection is still in step.
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM c").Scan(&cnt); err != nil {
		t.Fatal(err)
	}
}

// TestPsql drives the real psql client: the meta-commands that read the
// catalog, a query, and \copy of a CSV file.
func TestPsql(t *testing.T) {
	psql, err := exec.LookPath("psql")
	if err != nil {
		if os.Getenv(pgoracle.EnvRequire) == "1" {
			t.Fatal("psql is not installed")
		}
		t.Skip("psql is not installed")
	}
	ts := newTestServer(t)
	ts.load(t, "commons", "events", `{"_id": "e1", "kind": "click", "amount": 2.5, "user": {"id": 7}}`)
	host, port, _ := net.SplitHostPort(ts.addr)
	csvPath := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(csvPath, []byte("_id,kind,amount\ne2,view,1\ne3,click,4.5\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(cmds ...string) string {
		t.Helper()
		args := []string{"-h", host, "-p", port, "-U", "tester", "-d", "basalt", "-X", "-v", "ON_ERROR_STOP=1"}
		for _, c := range cmds {
			args = append(args, "-c", c)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, psql, args...)
		cmd.Env = append(os.Environ(), "PGCONNECT_TIMEOUT=10", "PGSSLMODE=prefer")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("psql %q: %v\n%s", cmds, err, out)
		}
		return string(out)
	}
	out := run(`\dt`)
	if !strings.Contains(out, "commons | events | table") {
		t.Errorf(`\dt:\n%s`, out)
	}
	out = run(`\d events`)
	for _, want := range []string{`Table "commons.events"`, "_id         | text", "amount      | double precision", "user        | jsonb",
		"Indexes:\n    \"events_pkey\" PRIMARY KEY, btree (_id)"} {
		if !strings.Contains(out, want) {
			t.Errorf("\\d events lacks %q:\n%s", want, out)
		}
	}
	out = run(`\dn`, `\d`)
	if !strings.Contains(out, "commons") {
		t.Errorf(`\dn:\n%s`, out)
	}
	out = run(`\copy events from '`+csvPath+`' with (format csv, header)`, "SELECT kind, count(*) FROM events GROUP BY kind ORDER BY kind")
	if !strings.Contains(out, "COPY 2") || !strings.Contains(out, "click |     2") {
		t.Errorf("copy and query:\n%s", out)
	}
	out = run("SELECT version(), current_schema(), current_database()")
	if !strings.Contains(out, "PostgreSQL 15") || !strings.Contains(out, "commons") {
		t.Errorf("functions:\n%s", out)
	}
}

// TestBadInput sends what a broken or hostile client might: each
// connection gets an error or is closed, and the server keeps serving.
func TestBadInput(t *testing.T) {
	ts := newTestServer(t, func(c *Config) {
		c.MaxMessageBytes = 1 << 20
		c.StartupTimeout = 500 * time.Millisecond
	})
	startup := func() []byte {
		b, _ := (&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": "x"}}).Encode(nil)
		return b
	}
	msg := func(typ byte, body []byte) []byte {
		b := []byte{typ, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], uint32(len(body)+4))
		return append(b, body...)
	}
	cases := map[string][]byte{
		"garbage":              []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		"huge startup":         {0x7f, 0xff, 0xff, 0xff, 0, 3, 0, 0},
		"tiny startup":         {0, 0, 0, 2},
		"bad protocol":         {0, 0, 0, 8, 0, 9, 0, 0},
		"startup without user": {0, 0, 0, 9, 0, 3, 0, 0, 0},
		"truncated startup":    {0, 0, 0, 100, 0, 3, 0, 0},
		"huge message":         append(startup(), 'Q', 0x7f, 0xff, 0xff, 0xff),
		"unknown message":      append(startup(), msg('z', []byte("abc"))...),
		"bad bind":             append(startup(), msg('B', []byte{0, 0, 0xff, 0xff})...),
		"bad parse":            append(startup(), msg('P', []byte("s\x00"))...),
		"random":               bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 1000),
	}
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			nc, err := net.Dial("tcp", ts.addr)
			if err != nil {
				t.Fatal(err)
			}
			defer nc.Close()
			_ = nc.SetDeadline(time.Now().Add(5 * time.Second))
			_, _ = nc.Write(data)
			// The server answers (an error, or the startup) and closes,
			// or waits for more and closes at the startup deadline.
			if _, err := io.ReadAll(nc); err != nil && !isTimeout(err) {
				var ne *net.OpError
				if !errorsAs(err, &ne) {
					t.Fatalf("read: %v", err)
				}
			}
		})
	}
	// Still serving.
	conn := ts.connect(t)
	var one int
	if err := conn.QueryRow(context.Background(), "SELECT 1").Scan(&one); err != nil {
		t.Fatal(err)
	}
}

func errorsAs(err error, target **net.OpError) bool {
	e, ok := err.(*net.OpError)
	if ok {
		*target = e
	}
	return ok
}

// protocolScript is a message-level exchange: what a client sends and the
// types of the messages it expects back, up to ReadyForQuery. The same
// script runs against Basalt and, when it is installed, PostgreSQL, so
// the shapes of Basalt's answers are checked against the real thing.
type protocolStep struct {
	send []pgproto3.FrontendMessage
	want string // message types, e.g. "T D C Z"
}

var protocolScript = []protocolStep{
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1 AS a, 'x' AS b"}}, "T D C Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: ""}}, "I Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1; SELECT 2"}}, "T D C T D C Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SELEC 1"}}, "E Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "BEGIN"}}, "C Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1/0"}}, "E Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SELECT 1"}}, "E Z"},
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "COMMIT"}}, "C Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Parse{Name: "s1", Query: "SELECT $1::int8 + 1 AS n"},
		&pgproto3.Describe{ObjectType: 'S', Name: "s1"},
		&pgproto3.Sync{},
	}, "1 t T Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("41")}, ResultFormatCodes: []int16{1}},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	}, "2 T D C Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Bind{PreparedStatement: "s1", Parameters: [][]byte{[]byte("1")}},
		&pgproto3.Execute{MaxRows: 1},
		&pgproto3.Sync{},
	}, "2 D s Z"}, // PostgreSQL suspends once MaxRows rows are sent
	{[]pgproto3.FrontendMessage{
		&pgproto3.Parse{Query: "SELECT * FROM (VALUES (1), (2), (3)) v(x)"},
		&pgproto3.Bind{},
		&pgproto3.Execute{MaxRows: 2},
		&pgproto3.Execute{MaxRows: 2},
		&pgproto3.Sync{},
	}, "1 2 D D s D C Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Parse{Query: "SELEC"},
		&pgproto3.Bind{},
		&pgproto3.Execute{},
		&pgproto3.Sync{},
	}, "E Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Bind{PreparedStatement: "nope"},
		&pgproto3.Sync{},
	}, "E Z"},
	{[]pgproto3.FrontendMessage{
		&pgproto3.Parse{Query: "SET application_name = 'golden'"},
		&pgproto3.Bind{},
		&pgproto3.Describe{ObjectType: 'P'},
		&pgproto3.Execute{},
		&pgproto3.Close{ObjectType: 'S', Name: "s1"},
		&pgproto3.Sync{},
	}, "1 2 n C 3 Z"}, // ParameterStatus (S) is not counted
	{[]pgproto3.FrontendMessage{&pgproto3.Query{String: "SHOW application_name"}}, "T D C Z"},
}

// runScript runs protocolScript over an authenticated frontend and returns
// a description of what came back for each step.
func runScript(t *testing.T, fe *pgproto3.Frontend) []string {
	t.Helper()
	var got []string
	for _, step := range protocolScript {
		for _, m := range step.send {
			fe.Send(m)
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var types []string
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatalf("after %v: %v", types, err)
			}
			if _, ok := msg.(*pgproto3.ParameterStatus); ok {
				continue
			}
			types = append(types, msgType(msg))
			if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
				break
			}
		}
		got = append(got, strings.Join(types, " "))
	}
	return got
}

func msgType(m pgproto3.BackendMessage) string {
	b, _ := m.Encode(nil)
	return string(b[:1])
}

func startFrontend(t *testing.T, nc net.Conn, user, db string) *pgproto3.Frontend {
	t.Helper()
	fe := pgproto3.NewFrontend(nc, nc)
	fe.Send(&pgproto3.StartupMessage{ProtocolVersion: pgproto3.ProtocolVersion30, Parameters: map[string]string{"user": user, "database": db}})
	if err := fe.Flush(); err != nil {
		t.Fatal(err)
	}
	for {
		msg, err := fe.Receive()
		if err != nil {
			t.Fatal(err)
		}
		switch m := msg.(type) {
		case *pgproto3.ReadyForQuery:
			return fe
		case *pgproto3.ErrorResponse:
			t.Fatalf("startup: %s", m.Message)
		}
	}
}

func TestProtocolGolden(t *testing.T) {
	ts := newTestServer(t)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	got := runScript(t, startFrontend(t, nc, "tester", "basalt"))
	for i, step := range protocolScript {
		if got[i] != step.want {
			t.Errorf("step %d (%T…): got %q, want %q", i, step.send[0], got[i], step.want)
		}
	}

	// The same exchange against PostgreSQL yields the same message types.
	pg := pgoracle.Start(t)
	hc, err := pg.Conn(t).PgConn().Hijack()
	if err != nil {
		t.Fatal(err)
	}
	defer hc.Conn.Close()
	_ = hc.Conn.SetDeadline(time.Now().Add(20 * time.Second))
	want := runScript(t, hc.Frontend)
	for i := range protocolScript {
		if got[i] != want[i] {
			t.Errorf("step %d: Basalt sent %q, PostgreSQL %q", i, got[i], want[i])
		}
	}
}

// TestTLS connects with sslmode=require to a server with a certificate,
// and with sslmode=disable too.
func TestTLS(t *testing.T) {
	cert, _ := testcert.SelfSigned(t)
	ts := newTestServer(t, func(c *Config) { c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}} })
	for _, mode := range []string{"require", "disable"} {
		ctx := ctx10s(t)
		conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://tester@%s/basalt?sslmode=%s", ts.addr, mode))
		if err != nil {
			t.Fatalf("%s: %v", mode, err)
		}
		_, isTLS := conn.PgConn().Conn().(*tls.Conn)
		if isTLS != (mode == "require") {
			t.Errorf("%s: TLS %v", mode, isTLS)
		}
		var one int
		if err := conn.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
			t.Fatal(err)
		}
		conn.Close(ctx)
	}
}

// TestAuthHook checks that an Authenticator decides who connects.
func TestAuthHook(t *testing.T) {
	ts := newTestServer(t, func(c *Config) { c.Auth = passwordAuth{"s3cret"} })
	ctx := ctx10s(t)
	if _, err := pgx.Connect(ctx, fmt.Sprintf("postgres://tester:wrong@%s/basalt?sslmode=disable", ts.addr)); pgCode(err) != "28P01" {
		t.Fatalf("wrong password: %v", err)
	}
	conn, err := pgx.Connect(ctx, fmt.Sprintf("postgres://tester:s3cret@%s/basalt?sslmode=disable", ts.addr))
	if err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
}

// passwordAuth is a test Authenticator: a cleartext password exchange.
type passwordAuth struct{ password string }

func (a passwordAuth) Authenticate(_ context.Context, ex AuthExchange, info StartupInfo) (any, error) {
	if err := ex.Send(&pgproto3.AuthenticationCleartextPassword{}); err != nil {
		return nil, err
	}
	msg, err := ex.Receive()
	if err != nil {
		return nil, err
	}
	pm, ok := msg.(*pgproto3.PasswordMessage)
	if !ok || pm.Password != a.password {
		return nil, fmt.Errorf("bad password for %s", info.User)
	}
	return info.User, nil
}
