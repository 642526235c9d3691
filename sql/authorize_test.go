package sql

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql/sqlerr"
)

// testAuth allows reads of the collections in read and writes of those in
// write, and records what it was asked.
type testAuth struct {
	read, write map[string]bool
	asked       []string
}

func (a *testAuth) AuthorizeRead(ws, coll string) error {
	a.asked = append(a.asked, "read "+ws+"."+coll)
	if !a.read[ws+"."+coll] {
		return fmt.Errorf("no reading %s.%s", ws, coll)
	}
	return nil
}

func (a *testAuth) AuthorizeWrite(ws, coll string) error {
	a.asked = append(a.asked, "write "+ws+"."+coll)
	if !a.write[ws+"."+coll] {
		return fmt.Errorf("no writing %s.%s", ws, coll)
	}
	return nil
}

func TestSessionAuthorizer(t *testing.T) {
	s, eng := newTestSession(t, `{"_id":"1","a":1}`)
	if _, err := eng.CreateCollection("commons", catalog.CollectionSpec{Name: "u"}); err != nil {
		t.Fatal(err)
	}
	writeDocs(t, eng, "u", `{"_id":"x","b":2}`)
	auth := &testAuth{read: map[string]bool{"commons.t": true}, write: map[string]bool{}}
	s.Auth = auth
	ctx := context.Background()
	if _, err := s.Query(ctx, "SELECT a FROM t", Params{}); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		"SELECT * FROM u",
		"SELECT a FROM t WHERE a IN (SELECT b FROM u)",
		"WITH x AS (SELECT * FROM commons.u) SELECT * FROM x",
		"DESCRIBE u",
		"INSERT INTO t SELECT 5 AS a",
		"INSERT INTO u VALUES (1)",
		"SELECT * FROM nosuch", // refused before it is found missing
	} {
		_, err := s.Query(ctx, q, Params{})
		var se *sqlerr.Error
		if !errors.As(err, &se) || se.Code != sqlerr.InsufficientPrivilege || !strings.Contains(se.Message, "no ") {
			t.Errorf("%s: %v, want SQLSTATE 42501", q, err)
		}
	}
	// A refused INSERT writes nothing.
	s.Auth = nil
	res, err := s.Query(ctx, "SELECT count(*) FROM t", Params{})
	if err != nil || rowsText(res) != "1\n" {
		t.Fatalf("rows after refused INSERT: %v %v", res, err)
	}
	auth.write["commons.t"] = true
	s.Auth = auth
	if res, err := s.Query(ctx, "INSERT INTO t SELECT 5 AS a", Params{}); err != nil || res.RowsAffected != 1 {
		t.Fatalf("allowed INSERT: %v %v", res, err)
	}
}
