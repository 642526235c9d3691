package pgwire

import (
	"net"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgproto3"
)

// TestPortalDescriptionKept: a client that described a named statement's
// portal once and then binds and executes it without describing it again
// (pgjdbc past its prepareThreshold) is sent rows as that description
// said, and when a value no longer fits, the error PostgreSQL gives for a
// table changed under a cached plan: 0A000 from RevalidateCachedQuery,
// which pgjdbc answers by preparing again. Rows are never sent as another
// type than the client decodes them as.
func TestPortalDescriptionKept(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "shifty", `{"_id": "x", "v": 1}`)
	nc, err := net.Dial("tcp", ts.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	_ = nc.SetDeadline(time.Now().Add(20 * time.Second))
	fe := startFrontend(t, nc, "tester", "basalt")
	exchange := func(msgs ...pgproto3.FrontendMessage) []pgproto3.BackendMessage {
		t.Helper()
		for _, m := range msgs {
			fe.Send(m)
		}
		if err := fe.Flush(); err != nil {
			t.Fatal(err)
		}
		var got []pgproto3.BackendMessage
		for {
			msg, err := fe.Receive()
			if err != nil {
				t.Fatal(err)
			}
			switch m := msg.(type) {
			case *pgproto3.RowDescription:
				got = append(got, &pgproto3.RowDescription{Fields: append([]pgproto3.FieldDescription(nil), m.Fields...)})
			case *pgproto3.DataRow:
				got = append(got, &pgproto3.DataRow{Values: [][]byte{append([]byte(nil), m.Values[0]...)}})
			case *pgproto3.ErrorResponse:
				e := *m
				got = append(got, &e)
			case *pgproto3.ReadyForQuery:
				return got
			}
		}
	}
	bind := &pgproto3.Bind{DestinationPortal: "p", PreparedStatement: "S_1", Parameters: [][]byte{[]byte("x")}, ResultFormatCodes: []int16{1}}
	got := exchange(&pgproto3.Parse{Name: "S_1", Query: "SELECT v FROM shifty WHERE _id = $1", ParameterOIDs: []uint32{oidText}},
		bind, &pgproto3.Describe{ObjectType: 'P', Name: "p"}, &pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{})
	if len(got) != 2 || got[0].(*pgproto3.RowDescription).Fields[0].DataTypeOID != oidInt8 || len(got[1].(*pgproto3.DataRow).Values[0]) != 8 {
		t.Fatalf("first execution: %#v", got)
	}
	// Executed again without a Describe: int8 still, in binary.
	got = exchange(bind, &pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{})
	if len(got) != 1 || len(got[0].(*pgproto3.DataRow).Values[0]) != 8 {
		t.Fatalf("second execution: %#v", got)
	}
	// v becomes a string in another document: the statement no longer
	// fits what the client was told.
	ts.load(t, "commons", "shifty", `{"_id": "y", "v": "one"}`)
	bind.Parameters = [][]byte{[]byte("y")}
	got = exchange(bind, &pgproto3.Execute{Portal: "p"}, &pgproto3.Sync{})
	if len(got) != 1 {
		t.Fatalf("after the type change: %#v", got)
	}
	e, ok := got[0].(*pgproto3.ErrorResponse)
	if !ok || e.Code != "0A000" || e.Routine != "RevalidateCachedQuery" {
		t.Fatalf("after the type change: %#v", got[0])
	}
	// Prepared again, it is described and sent as text.
	got = exchange(&pgproto3.Close{ObjectType: 'S', Name: "S_1"},
		&pgproto3.Parse{Name: "S_2", Query: "SELECT v FROM shifty WHERE _id = $1", ParameterOIDs: []uint32{oidText}},
		&pgproto3.Bind{PreparedStatement: "S_2", Parameters: [][]byte{[]byte("y")}}, &pgproto3.Describe{ObjectType: 'P'}, &pgproto3.Execute{}, &pgproto3.Sync{})
	if len(got) != 2 || got[0].(*pgproto3.RowDescription).Fields[0].DataTypeOID != oidText || string(got[1].(*pgproto3.DataRow).Values[0]) != "one" {
		t.Fatalf("prepared again: %#v", got)
	}
}
