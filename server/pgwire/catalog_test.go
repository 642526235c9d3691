package pgwire

import (
	"fmt"
	"strings"
	"testing"

	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/types"
	"github.com/jackc/pgx/v5"
)

// queryText runs q and renders its rows as "a|b;c|d", NULL as "null".
func queryText(t *testing.T, conn *pgx.Conn, q string, args ...any) string {
	t.Helper()
	rows, err := conn.Query(ctx10s(t), q, args...)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		vals, err := rows.Values()
		if err != nil {
			t.Fatal(err)
		}
		cells := make([]string, len(vals))
		for i, v := range vals {
			if v == nil {
				cells[i] = "null"
			} else {
				cells[i] = fmt.Sprint(v)
			}
		}
		out = append(out, strings.Join(cells, "|"))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return strings.Join(out, ";")
}

// TestCatalogPrimaryKey: every collection's _id shows as a primary key, an
// index coll_pkey backing a constraint, wherever clients look for keys.
func TestCatalogPrimaryKey(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "people", `{"_id": "a", "name": "ann"}`)
	ts.load(t, "shop", "Orders", `{"_id": "o1"}`)
	ts.load(t, "shop", "user", `{"_id": "u1"}`)
	conn := ts.connect(t)
	cases := []struct{ q, want string }{
		{`SELECT c.relname, c.relkind, i.indisprimary, i.indisunique, i.indkey, am.amname
		  FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid JOIN pg_am am ON am.oid = c.relam
		  WHERE t.relname = 'people'`, "people_pkey|i|true|true|1|btree"},
		{`SELECT conname, contype, conkey, pg_get_constraintdef(oid), pg_get_indexdef(conindid)
		  FROM pg_constraint WHERE conrelid = 'people'::regclass`,
			"people_pkey|p|{1}|PRIMARY KEY (_id)|CREATE UNIQUE INDEX people_pkey ON commons.people USING btree (_id)"},
		{`SELECT pg_get_indexdef(indexrelid), pg_get_indexdef(indexrelid, 1, false) FROM pg_index WHERE indrelid = 'shop."Orders"'::regclass`,
			`CREATE UNIQUE INDEX "Orders_pkey" ON shop."Orders" USING btree (_id)|_id`},
		{`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'people'`,
			"people_pkey|CREATE UNIQUE INDEX people_pkey ON commons.people USING btree (_id)"},
		// user is a reserved word; user_pkey is not.
		{`SELECT indexdef FROM pg_indexes WHERE tablename = 'user'`,
			`CREATE UNIQUE INDEX user_pkey ON shop."user" USING btree (_id)`},
		{`SELECT tc.constraint_name, tc.constraint_type, k.column_name, k.ordinal_position
		  FROM information_schema.table_constraints tc JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
		  WHERE tc.table_name = 'people'`, "people_pkey|PRIMARY KEY|_id|1"},
		// \dt and information_schema.tables list tables, not indexes.
		{`SELECT table_name FROM information_schema.tables WHERE table_schema = 'commons'`, "people"},
		{`SELECT relname FROM pg_class WHERE relkind = 'r' AND pg_table_is_visible(oid)`, "people"},
		// pgjdbc's getPrimaryKeys reads the key's columns through
		// information_schema._pg_expandarray (PgDatabaseMetaData.java).
		{`SELECT result.TABLE_SCHEM, result.TABLE_NAME, result.COLUMN_NAME, result.KEY_SEQ, result.PK_NAME FROM
		    (SELECT n.nspname AS TABLE_SCHEM, ct.relname AS TABLE_NAME, a.attname AS COLUMN_NAME,
		      (information_schema._pg_expandarray(i.indkey)).n AS KEY_SEQ, ci.relname AS PK_NAME,
		      information_schema._pg_expandarray(i.indkey) AS KEYS, a.attnum AS A_ATTNUM
		    FROM pg_catalog.pg_class ct JOIN pg_catalog.pg_attribute a ON (ct.oid = a.attrelid)
		      JOIN pg_catalog.pg_namespace n ON (ct.relnamespace = n.oid) JOIN pg_catalog.pg_index i ON (a.attrelid = i.indrelid)
		      JOIN pg_catalog.pg_class ci ON (ci.oid = i.indexrelid)
		    WHERE true AND n.nspname = 'commons' AND ct.relname = 'people' AND i.indisprimary) result
		  WHERE result.A_ATTNUM = (result.KEYS).x ORDER BY result.table_name, result.pk_name, result.key_seq`,
			"commons|people|_id|1|people_pkey"},
	}
	for _, c := range cases {
		if got := queryText(t, conn, c.q); got != c.want {
			t.Errorf("%s\ngot  %s\nwant %s", c.q, got, c.want)
		}
	}
}

// TestCatalogFunctions covers what the JDBC driver and DBeaver ask of the
// catalog besides tables: system catalog OIDs, keywords, array constants.
func TestCatalogFunctions(t *testing.T) {
	ts := newTestServer(t)
	ts.load(t, "commons", "people", `{"_id": "a"}`)
	conn := ts.connect(t)
	cases := []struct{ q, want string }{
		{`SELECT 'pg_class'::regclass, 'pg_catalog.pg_constraint'::regclass, 'pg_namespace'::regclass::oid`, "1259|2606|2615"},
		{`SELECT count(*) > 400, count(*) FILTER (WHERE word = 'from' AND catcode = 'R' AND NOT barelabel) FROM pg_catalog.pg_get_keywords()`, "true|1"},
		{`SELECT catdesc, baredesc FROM pg_get_keywords() AS k WHERE k.word = 'between'`, "unreserved (cannot be function or type name)|can be bare label"},
		// pgjdbc's getSQLKeywords.
		{`SELECT count(*) FROM pg_catalog.pg_get_keywords() WHERE word <> ALL ('{a,abs,select,"from"}'::text[]) AND word IN ('select', 'from', 'analyse')`, "1"},
		{`SELECT '{1,2,NULL}'::int2[], cardinality('{}'::text[]), '{"a b","c\"d"}'::text[]`, `[1 2 <nil>]|0|[a b c"d]`},
		{`SELECT setting FROM pg_catalog.pg_settings WHERE name = 'max_index_keys'`, "32"},
	}
	for _, c := range cases {
		if got := queryText(t, conn, c.q); got != c.want {
			t.Errorf("%s\ngot  %s\nwant %s", c.q, got, c.want)
		}
	}
	if _, err := conn.Exec(ctx10s(t), `SELECT '{1,{2}}'::int4[]`); pgCode(err) != "22P02" {
		t.Errorf("nested array constant: %v, want 22P02", err)
	}
}

func TestParseArrayText(t *testing.T) {
	cases := []struct {
		in   string
		ints bool
		want string // the elements, or "error"
	}{
		{"{}", false, ""},
		{"{a}", false, `"a"`},
		{`{a, b ,"c, d", "e\"f",NULL,"NULL"}`, false, `"a" "b" "c, d" "e\"f" null "NULL"`},
		{`{x\,y}`, false, `"x,y"`},
		{"{1,-2, 3}", true, "1 -2 3"},
		{"{1,x}", true, "error"},
		{"1,2", true, "error"},
		{`{"a}`, false, "error"},
		{"{{1}}", true, "error"},
		{`{"a"b}`, false, "error"},
	}
	for _, c := range cases {
		elems, err := parseArrayText(c.in, c.ints)
		var got []string
		for _, e := range elems {
			v := e.(*ast.Literal).Value
			if v.Kind() == types.KindNull {
				got = append(got, "null")
			} else {
				got = append(got, v.JSON())
			}
		}
		gs := strings.Join(got, " ")
		if err != nil {
			gs = "error"
		}
		if gs != c.want {
			t.Errorf("parseArrayText(%q) = %s (%v), want %s", c.in, gs, err, c.want)
		}
	}
}
