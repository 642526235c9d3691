package pgwire

import (
	"hash/fnv"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/basaltdb/basalt/catalog"
	"github.com/basaltdb/basalt/sql/ast"
	"github.com/basaltdb/basalt/sql/sqlerr"
	"github.com/basaltdb/basalt/storage"
	"github.com/basaltdb/basalt/types"
)

// The catalog emulation: client tools (psql's \d commands, Grafana's table
// and column pickers, DBeaver, drivers) learn what a database holds by
// querying pg_catalog and information_schema. Basalt answers those queries
// with its own SQL engine: before a statement is bound, every reference to
// an emulated catalog table becomes a VALUES list built from the live
// catalog (workspaces as schemas, collections as tables, their top-level
// fields as columns typed by the kinds the documents hold), and the
// PostgreSQL functions such queries call (format_type, pg_table_is_visible,
// current_schema(), quote_ident …) become the expressions or constants they
// stand for. Each collection's _id is its primary key, shown as PostgreSQL
// shows `_id text PRIMARY KEY`: an index coll_pkey (pg_class, pg_index,
// pg_indexes) and a constraint (pg_constraint, information_schema). Catalog
// tables Basalt has no counterpart for (pg_inherits, pg_policy, pg_trigger
// …) are empty, with PostgreSQL 15's columns (catalog_columns.go), so joins
// and subqueries over them bind and return nothing, as they would on a
// PostgreSQL database without inheritance, policies or triggers.

// Fixed OIDs, as in PostgreSQL.
const (
	oidPGCatalog  = 11
	oidInfoSchema = 13000
	oidSuperuser  = 10
	oidHeapAM     = 2
	firstUserOID  = 16384
)

// nsOID is a workspace's namespace OID: stable across queries and restarts.
func nsOID(name string) int64 {
	switch name {
	case "pg_catalog":
		return oidPGCatalog
	case "information_schema":
		return oidInfoSchema
	}
	h := fnv.New32a()
	h.Write([]byte(name))
	return 2_000_000 + int64(h.Sum32()%1_000_000_000)
}

// relOID is a collection's pg_class OID.
func relOID(col catalog.Collection) int64 { return firstUserOID + int64(col.ID) }

// Every collection has a primary key, _id, which the catalog shows as a
// unique btree index named coll_pkey (pg_class, pg_index) backing a
// primary key constraint (pg_constraint), as PostgreSQL has for a table
// declared with `_id text PRIMARY KEY`: psql's \d, pgjdbc's
// getPrimaryKeys and DBeaver's key and index lists show it. Their OIDs sit
// above the namespace OIDs (nsOID) and below 2^31, so clients that read
// OIDs as int4 read them whole.
const (
	pkeyOIDBase    = 1 << 30
	pkeyConOIDBase = 1<<30 + 1<<29
	oidBtreeAM     = 403
	oidTextOps     = 3126 // pg_opclass text_ops, the operator class of a text btree key
)

func pkeyOID(col catalog.Collection) int64    { return pkeyOIDBase + relOID(col) }
func pkeyConOID(col catalog.Collection) int64 { return pkeyConOIDBase + relOID(col) }
func pkeyName(col catalog.Collection) string  { return col.Name + "_pkey" }

var (
	catalogColsOnce sync.Once
	catalogCols     map[string][]vcol // "pg_catalog.pg_class" → columns
	oidColumns      map[string]bool   // column names of OID-valued columns
)

type vcol struct{ name, udt string }

func catalogTables() map[string][]vcol {
	catalogColsOnce.Do(func() {
		catalogCols = map[string][]vcol{}
		oidColumns = map[string]bool{}
		for name, spec := range pgCatalogColumns {
			var cols []vcol
			for _, c := range strings.Split(spec, ",") {
				n, udt, _ := strings.Cut(c, ":")
				cols = append(cols, vcol{n, udt})
				switch udt {
				case "oid", "regclass", "regproc", "regtype", "regnamespace", "regrole":
					oidColumns[n] = true
				}
			}
			catalogCols[name] = cols
		}
	})
	return catalogCols
}

// catalogText matches the spellings of psql's queries that Basalt's parser
// does not take: OPERATOR(pg_catalog.~) and COLLATE pg_catalog.default.
var (
	operatorRe = regexp.MustCompile(`OPERATOR\(pg_catalog\.([~!<>=*]+)\)`)
	collateRe  = regexp.MustCompile(`(?i)\s+COLLATE\s+(pg_catalog\.)?("default"|default|"C"|"POSIX")`)
	// grafanaSchemaRe is the search_path test Grafana's PostgreSQL data
	// source puts in its table and column pickers (string_to_array over
	// current_setting('search_path') with generate_series over its
	// bounds); it becomes a test against the current schema.
	grafanaSchemaRe = regexp.MustCompile(`(?s)IN\s*\(\s*SELECT\s+CASE\s+WHEN\s+trim\(s\[i\]\)\s*=\s*'"\$user"'\s+THEN\s+user\s+ELSE\s+trim\(s\[i\]\)\s+END\s+FROM\s+generate_series\(.*?\)\s+as\s+i\s*,\s*string_to_array\(current_setting\('search_path'\)\s*,\s*','\)\s+s\s*\)`)
)

// rewriteCatalogText applies the text rewrites above; other text is
// returned as is.
func rewriteCatalogText(text string) string {
	if strings.Contains(text, "OPERATOR(") {
		text = operatorRe.ReplaceAllString(text, "$1")
	}
	if strings.Contains(text, "COLLATE") || strings.Contains(text, "collate") {
		text = collateRe.ReplaceAllString(text, "")
	}
	if strings.Contains(text, "string_to_array(current_setting('search_path')") {
		text = grafanaSchemaRe.ReplaceAllString(text, "IN (current_schema())")
	}
	return text
}

// catalogEnv is the catalog as one statement sees it, read once.
type catalogEnv struct {
	c          *conn
	workspaces []catalog.Workspace
	colls      []catalog.Collection
	fields     map[uint64][]field
}

// field is a top-level field of a collection: a column.
type field struct {
	name string
	oid  uint32
	num  int
}

func (c *conn) catalogEnv() *catalogEnv {
	cat := c.srv.cfg.Engine.Catalog()
	// The catalog lists only the collections the session may read.
	var colls []catalog.Collection
	for _, col := range cat.Collections("") {
		if c.sess.CheckRead(col.Workspace, col.Name) == nil {
			colls = append(colls, col)
		}
	}
	return &catalogEnv{c: c, workspaces: cat.Workspaces(), colls: colls, fields: map[uint64][]field{}}
}

// fieldsOf lists a collection's columns: _id and _event_time first, then
// its top-level fields by name. A field's type is the one kind its
// documents hold there (ints and floats together: float8), jsonb for
// objects and arrays, text when kinds mix.
func (e *catalogEnv) fieldsOf(col catalog.Collection) []field {
	if f, ok := e.fields[col.ID]; ok {
		return f
	}
	var out []field
	snap, err := e.c.srv.cfg.Engine.Snapshot(col.Workspace, col.Name)
	if err == nil {
		kinds := snap.AllPathKinds()
		snap.Close()
		top := map[string]*[types.NumKinds]bool{}
		var names []string
		for path, ks := range kinds {
			p, err := types.ParsePath(path)
			if err != nil || len(p) == 0 || p[0].Wildcard {
				continue
			}
			name := p[0].Name
			if name == storage.FieldMeta {
				continue // Basalt's own metadata: `*` does not show it either
			}
			agg, ok := top[name]
			if !ok {
				agg = &[types.NumKinds]bool{}
				top[name] = agg
				names = append(names, name)
			}
			if len(p) > 1 {
				agg[types.KindObject] = true
				continue
			}
			for k, has := range ks {
				if has {
					agg[k] = true
				}
			}
		}
		slices.SortFunc(names, func(a, b string) int {
			return cmpFieldOrder(a, b)
		})
		for _, n := range names {
			out = append(out, field{name: n, oid: kindsOID(top[n])})
		}
	}
	for _, must := range []string{"_event_time", "_id"} {
		if !slices.ContainsFunc(out, func(f field) bool { return f.name == must }) {
			oid := uint32(oidText)
			if must == "_event_time" {
				oid = oidTimestamptz
			}
			out = append([]field{{name: must, oid: oid}}, out...)
		}
	}
	slices.SortStableFunc(out, func(a, b field) int { return cmpFieldOrder(a.name, b.name) })
	for i := range out {
		out[i].num = i + 1
	}
	e.fields[col.ID] = out
	return out
}

func cmpFieldOrder(a, b string) int {
	rank := func(s string) int {
		switch s {
		case "_id":
			return 0
		case "_event_time":
			return 1
		}
		return 2
	}
	if ra, rb := rank(a), rank(b); ra != rb {
		return ra - rb
	}
	return strings.Compare(a, b)
}

func kindsOID(ks *[types.NumKinds]bool) uint32 {
	var only []types.Kind
	for k, has := range ks {
		if has && types.Kind(k) != types.KindNull && types.Kind(k) != types.KindUndefined {
			only = append(only, types.Kind(k))
		}
	}
	switch {
	case len(only) == 0:
		return oidText
	case len(only) == 1:
		return columnOID(only[0].String())
	case len(only) == 2 && only[0] == types.KindInt && only[1] == types.KindFloat:
		return oidFloat8
	}
	if ks[types.KindArray] || ks[types.KindObject] {
		return oidJSONB
	}
	return oidText
}

// schemas are the namespaces: the workspaces, pg_catalog and
// information_schema.
func (e *catalogEnv) schemas() []string {
	out := []string{"pg_catalog", "information_schema"}
	for _, w := range e.workspaces {
		out = append(out, w.Name)
	}
	return out
}

func s(v string) types.Value   { return types.String(v) }
func i(v int64) types.Value    { return types.Int(v) }
func b(v bool) types.Value     { return types.Bool(v) }
func u32(v uint32) types.Value { return types.Int(int64(v)) }

// rows returns the rows of an emulated table, each a map from column name
// to value; absent columns are NULL.
func (e *catalogEnv) rows(table string) []map[string]types.Value {
	c := e.c
	db := c.info.Database
	var out []map[string]types.Value
	switch table {
	case "pg_catalog.pg_namespace":
		for _, n := range e.schemas() {
			out = append(out, map[string]types.Value{"oid": i(nsOID(n)), "nspname": s(n), "nspowner": i(oidSuperuser)})
		}
	case "information_schema.schemata":
		for _, n := range e.schemas() {
			out = append(out, map[string]types.Value{"catalog_name": s(db), "schema_name": s(n), "schema_owner": s(c.info.User)})
		}
	case "pg_catalog.pg_class":
		for _, col := range e.colls {
			rel := map[string]types.Value{
				"oid": i(relOID(col)), "relname": s(col.Name), "relnamespace": i(nsOID(col.Workspace)),
				"reltype": i(0), "reloftype": i(0), "relowner": i(oidSuperuser), "relam": i(oidHeapAM),
				"relfilenode": i(relOID(col)), "reltablespace": i(0), "relpages": i(0), "reltuples": types.Float(-1),
				"relallvisible": i(0), "reltoastrelid": i(0), "relhasindex": b(true), "relisshared": b(false),
				"relpersistence": s("p"), "relkind": s("r"), "relnatts": i(int64(len(e.fieldsOf(col)))),
				"relchecks": i(0), "relhasrules": b(false), "relhastriggers": b(false), "relhassubclass": b(false),
				"relrowsecurity": b(false), "relforcerowsecurity": b(false), "relispopulated": b(true),
				"relreplident": s("d"), "relispartition": b(false), "relrewrite": i(0),
			}
			out = append(out, rel)
			// The primary key's index.
			idx := make(map[string]types.Value, len(rel))
			for k, v := range rel {
				idx[k] = v
			}
			idx["oid"], idx["relfilenode"], idx["relname"] = i(pkeyOID(col)), i(pkeyOID(col)), s(pkeyName(col))
			idx["relam"], idx["relkind"], idx["relnatts"], idx["relhasindex"] = i(oidBtreeAM), s("i"), i(1), b(false)
			idx["relreplident"] = s("n")
			out = append(out, idx)
		}
	case "pg_catalog.pg_index":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{
				"indexrelid": i(pkeyOID(col)), "indrelid": i(relOID(col)), "indnatts": i(1), "indnkeyatts": i(1),
				"indisunique": b(true), "indnullsnotdistinct": b(false), "indisprimary": b(true), "indisexclusion": b(false),
				"indimmediate": b(true), "indisclustered": b(false), "indisvalid": b(true), "indcheckxmin": b(false),
				"indisready": b(true), "indislive": b(true), "indisreplident": b(false),
				// int2vector and oidvector in their text form.
				"indkey": s("1"), "indcollation": s("100"), "indclass": s(strconv.Itoa(oidTextOps)), "indoption": s("0"),
			})
		}
	case "pg_catalog.pg_constraint":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{
				"oid": i(pkeyConOID(col)), "conname": s(pkeyName(col)), "connamespace": i(nsOID(col.Workspace)),
				"contype": s("p"), "condeferrable": b(false), "condeferred": b(false), "convalidated": b(true),
				"conrelid": i(relOID(col)), "contypid": i(0), "conindid": i(pkeyOID(col)), "conparentid": i(0),
				"confrelid": i(0), "confupdtype": s(" "), "confdeltype": s(" "), "confmatchtype": s(" "),
				"conislocal": b(true), "coninhcount": i(0), "connoinherit": b(true),
				// int2[] in its text form.
				"conkey": s("{1}"),
			})
		}
	case "pg_catalog.pg_indexes":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{"schemaname": s(col.Workspace), "tablename": s(col.Name),
				"indexname": s(pkeyName(col)), "indexdef": s(pkeyIndexDef(col))})
		}
	case "information_schema.table_constraints":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{"constraint_catalog": s(db), "constraint_schema": s(col.Workspace),
				"constraint_name": s(pkeyName(col)), "table_catalog": s(db), "table_schema": s(col.Workspace),
				"table_name": s(col.Name), "constraint_type": s("PRIMARY KEY"), "is_deferrable": s("NO"),
				"initially_deferred": s("NO"), "enforced": s("YES")})
		}
	case "information_schema.key_column_usage", "information_schema.constraint_column_usage":
		for _, col := range e.colls {
			row := map[string]types.Value{"constraint_catalog": s(db), "constraint_schema": s(col.Workspace),
				"constraint_name": s(pkeyName(col)), "table_catalog": s(db), "table_schema": s(col.Workspace),
				"table_name": s(col.Name), "column_name": s("_id")}
			if table == "information_schema.key_column_usage" {
				row["ordinal_position"] = i(1)
			}
			out = append(out, row)
		}
	case "pg_catalog.pg_tables":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{"schemaname": s(col.Workspace), "tablename": s(col.Name), "tableowner": s(c.info.User),
				"hasindexes": b(false), "hasrules": b(false), "hastriggers": b(false), "rowsecurity": b(false)})
		}
	case "information_schema.tables":
		for _, col := range e.colls {
			out = append(out, map[string]types.Value{"table_catalog": s(db), "table_schema": s(col.Workspace), "table_name": s(col.Name),
				"table_type": s("BASE TABLE"), "is_insertable_into": s("YES"), "is_typed": s("NO")})
		}
	case "pg_catalog.pg_attribute":
		for _, col := range e.colls {
			for _, f := range e.fieldsOf(col) {
				out = append(out, map[string]types.Value{
					"attrelid": i(relOID(col)), "attname": s(f.name), "atttypid": u32(f.oid), "attstattarget": i(-1),
					"attlen": i(int64(typeLen(f.oid))), "attnum": i(int64(f.num)), "attndims": i(0), "attcacheoff": i(-1),
					"atttypmod": i(-1), "attbyval": b(typeLen(f.oid) > 0), "attnotnull": b(f.name == "_id" || f.name == "_event_time"),
					"atthasdef": b(false), "atthasmissing": b(false), "attidentity": s(""), "attgenerated": s(""),
					"attisdropped": b(false), "attislocal": b(true), "attinhcount": i(0), "attcollation": i(0),
					"attstorage": s("x"), "attalign": s("d"), "attcompression": s(""),
				})
			}
		}
	case "information_schema.columns":
		for _, col := range e.colls {
			for _, f := range e.fieldsOf(col) {
				nullable := "YES"
				if f.name == "_id" || f.name == "_event_time" {
					nullable = "NO"
				}
				out = append(out, map[string]types.Value{
					"table_catalog": s(db), "table_schema": s(col.Workspace), "table_name": s(col.Name), "column_name": s(f.name),
					"ordinal_position": i(int64(f.num)), "is_nullable": s(nullable), "data_type": s(formatType(f.oid)),
					"udt_catalog": s(db), "udt_schema": s("pg_catalog"), "udt_name": s(typeName(f.oid)),
					"dtd_identifier": s(strconv.Itoa(f.num)), "is_self_referencing": s("NO"), "is_identity": s("NO"),
					"is_generated": s("NEVER"), "is_updatable": s("YES"),
				})
			}
		}
	case "pg_catalog.pg_type":
		for _, t := range pgTypes {
			out = append(out, map[string]types.Value{
				"oid": u32(t.oid), "typname": s(t.name), "typnamespace": i(oidPGCatalog), "typowner": i(oidSuperuser),
				"typlen": i(int64(t.len)), "typbyval": b(t.len > 0 && t.len <= 8), "typtype": s("b"), "typcategory": s(t.category),
				"typispreferred": b(false), "typisdefined": b(true), "typdelim": s(","), "typrelid": i(0), "typelem": i(0),
				"typarray": i(0), "typnotnull": b(false), "typbasetype": i(0), "typtypmod": i(-1), "typndims": i(0),
				"typcollation": i(0),
			})
		}
	case "pg_catalog.pg_database":
		out = append(out, map[string]types.Value{"oid": i(1), "datname": s(db), "datdba": i(oidSuperuser), "encoding": i(6),
			"datlocprovider": s("c"), "datistemplate": b(false), "datallowconn": b(true), "datconnlimit": i(-1),
			"datcollate": s("C.UTF-8"), "datctype": s("C.UTF-8"), "dattablespace": i(1663)})
	case "pg_catalog.pg_roles", "pg_catalog.pg_authid":
		out = append(out, map[string]types.Value{"oid": i(oidSuperuser), "rolname": s(c.info.User), "rolsuper": b(true), "rolinherit": b(true),
			"rolcreaterole": b(true), "rolcreatedb": b(true), "rolcanlogin": b(true), "rolreplication": b(false),
			"rolconnlimit": i(-1), "rolbypassrls": b(true)})
	case "pg_catalog.pg_user":
		out = append(out, map[string]types.Value{"usename": s(c.info.User), "usesysid": i(oidSuperuser), "usecreatedb": b(true),
			"usesuper": b(true), "userepl": b(false), "usebypassrls": b(true)})
	case "pg_catalog.pg_get_keywords":
		descs := map[byte][2]string{'U': {"U", "unreserved"}, 'C': {"C", "unreserved (cannot be function or type name)"},
			'T': {"T", "reserved (can be function or type name)"}, 'R': {"R", "reserved"}}
		for _, kw := range strings.Fields(keywords) {
			word, cat, _ := strings.Cut(kw, ":")
			bare := cat[0] >= 'A' && cat[0] <= 'Z'
			d := descs[strings.ToUpper(cat)[0]]
			baredesc := "requires AS"
			if bare {
				baredesc = "can be bare label"
			}
			out = append(out, map[string]types.Value{"word": s(word), "catcode": s(d[0]), "barelabel": b(bare),
				"catdesc": s(d[1]), "baredesc": s(baredesc)})
		}
	case "pg_catalog.pg_am":
		out = append(out, map[string]types.Value{"oid": i(oidHeapAM), "amname": s("heap"), "amtype": s("t")},
			map[string]types.Value{"oid": i(oidBtreeAM), "amname": s("btree"), "amtype": s("i")})
	case "pg_catalog.pg_settings":
		for _, st := range c.initialSettings(nil) {
			v, ok := c.sess.Settings[strings.ToLower(st.name)]
			if !ok {
				v = st.value
			}
			out = append(out, map[string]types.Value{"name": s(st.name), "setting": s(v), "context": s("user"), "vartype": s("string"), "source": s("default")})
		}
	}
	return out
}

// pkeyIndexDef is pg_get_indexdef of a collection's primary key index.
func pkeyIndexDef(col catalog.Collection) string {
	return "CREATE UNIQUE INDEX " + quoteIdent(pkeyName(col)) + " ON " + quoteIdent(col.Workspace) + "." + quoteIdent(col.Name) + " USING btree (_id)"
}

// quoteIdent is PostgreSQL's quote_ident: names that are not plain lower
// case identifiers, or are keywords other than unreserved ones, are
// double-quoted.
func quoteIdent(name string) string {
	plain := name != "" && !reservedWords()[name]
	for j, r := range name {
		if !(r == '_' || (r >= 'a' && r <= 'z') || (j > 0 && (r >= '0' && r <= '9' || r == '$'))) {
			plain = false
			break
		}
	}
	if plain {
		return name
	}
	return `"` + strings.ReplaceAll(name, `"`, `""`) + `"`
}

// reservedWords are the keywords quote_ident quotes: all but the
// unreserved ones.
var reservedWords = sync.OnceValue(func() map[string]bool {
	m := map[string]bool{}
	for _, kw := range strings.Fields(keywords) {
		word, cat, _ := strings.Cut(kw, ":")
		if cat != "U" && cat != "u" {
			m[word] = true
		}
	}
	return m
})

// formatType is format_type(oid, -1).
func formatType(oid uint32) string {
	for _, t := range pgTypes {
		if t.oid == oid {
			return t.format
		}
	}
	return "unknown"
}

// virtualTable resolves a FROM item to an emulated catalog table: the
// qualified name ("pg_catalog.pg_class") or "" when it is a collection.
func (c *conn) virtualTable(tn *ast.TableName) (string, error) {
	tables := catalogTables()
	switch strings.ToLower(tn.Schema) {
	case "pg_catalog", "information_schema":
		name := strings.ToLower(tn.Schema) + "." + strings.ToLower(tn.Name)
		if _, ok := tables[name]; !ok {
			return "", sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist (Basalt emulates only part of the PostgreSQL catalog)", name)
		}
		return name, nil
	case "":
		// pg_catalog is on every search path, before the user's schema.
		name := "pg_catalog." + strings.ToLower(tn.Name)
		if _, ok := tables[name]; ok {
			return name, nil
		}
	}
	return "", nil
}

// valuesTable builds the VALUES list that stands for an emulated table.
func (e *catalogEnv) valuesTable(name, alias string, colAliases []string) ast.TableExpr {
	cols := catalogTables()[name]
	names := make([]string, len(cols))
	for j, col := range cols {
		names[j] = col.name
	}
	copy(names, colAliases)
	rows := e.rows(name)
	var sel *ast.Select
	if len(rows) == 0 {
		// VALUES needs a row: one of NULLs, filtered out.
		nulls := make([]ast.Expr, len(cols))
		for j := range nulls {
			nulls[j] = lit(types.Null)
		}
		sel = &ast.Select{
			Targets: []ast.Target{{Star: true, Pos: -1}},
			From:    []ast.TableExpr{&ast.SubqueryTable{Query: &ast.Select{Values: [][]ast.Expr{nulls}, Pos: -1}, Alias: "v", ColAliases: names}},
			Where:   lit(types.Bool(false)),
			Pos:     -1,
		}
		return &ast.SubqueryTable{Query: sel, Alias: alias}
	}
	vals := make([][]ast.Expr, len(rows))
	for r, row := range rows {
		vals[r] = make([]ast.Expr, len(cols))
		for j, col := range cols {
			v, ok := row[col.name]
			if !ok {
				v = types.Null
			}
			vals[r][j] = lit(v)
		}
	}
	return &ast.SubqueryTable{Query: &ast.Select{Values: vals, Pos: -1}, Alias: alias, ColAliases: names}
}

func lit(v types.Value) ast.Expr { return &ast.Literal{Value: v, Pos: -1} }

// rewriteCatalog replaces emulated catalog tables and PostgreSQL catalog
// functions in st. A statement that uses neither is returned unchanged.
func (c *conn) rewriteCatalog(st ast.Statement) (ast.Statement, error) {
	var env *catalogEnv
	getEnv := func() *catalogEnv {
		if env == nil {
			env = c.catalogEnv()
		}
		return env
	}
	var err error
	rewriteTree(reflect.ValueOf(st), func(x any) (any, bool) {
		if err != nil {
			return nil, false
		}
		switch x := x.(type) {
		case *ast.Select:
			// SELECT current_schema() names its column as PostgreSQL does,
			// not ?column? as the constant it becomes would be.
			for j, t := range x.Targets {
				if f, ok := t.Expr.(*ast.Func); ok && t.Alias == "" && catalogFuncNames[f.Name] {
					x.Targets[j].Alias = f.Name
				}
			}
			return nil, false
		case *ast.TableName:
			name, verr := c.virtualTable(x)
			if verr != nil {
				err = verr
				return nil, false
			}
			if name == "" {
				return nil, false
			}
			alias := x.Alias
			if alias == "" {
				alias = x.Name
			}
			return getEnv().valuesTable(name, alias, x.ColAliases), true
		case *ast.FuncTable:
			// Set-returning catalog functions in FROM: pg_get_keywords().
			name := strings.TrimPrefix(x.Func.Name, "pg_catalog.")
			if name != "pg_get_keywords" || len(x.Func.Args) != 0 || x.WithOrdinality {
				return nil, false
			}
			alias := x.Alias
			if alias == "" {
				alias = name
			}
			return getEnv().valuesTable("pg_catalog."+name, alias, x.ColAliases), true
		case *ast.Func:
			e, ok, ferr := c.catalogFunc(x, getEnv)
			if ferr != nil {
				err = ferr
			}
			return e, ok
		case *ast.Cast:
			e, ok, cerr := c.catalogCast(x, getEnv)
			if cerr != nil {
				err = cerr
			}
			return e, ok
		case *ast.Binary:
			// '16384' compared with an OID column is an OID, as PostgreSQL
			// types the literal by the column.
			switch x.Op {
			case "=", "<>", "!=", "<", "<=", ">", ">=":
				catalogTables()
				x.L, x.R = oidLiteral(x.L, x.R), oidLiteral(x.R, x.L)
			}
		}
		return nil, false
	})
	if err != nil {
		return nil, err
	}
	return st, nil
}

func oidLiteral(e, other ast.Expr) ast.Expr {
	l, ok := e.(*ast.Literal)
	if !ok || l.Value.Kind() != types.KindString {
		return e
	}
	ref, ok := other.(*ast.ColumnRef)
	if !ok || !oidColumns[ref.Parts[len(ref.Parts)-1]] {
		return e
	}
	n, err := strconv.ParseInt(l.Value.Str(), 10, 64)
	if err != nil {
		return e
	}
	return &ast.Literal{Value: types.Int(n), Pos: l.Pos}
}

// rewriteTree walks an AST and replaces, bottom-up, every node held in an
// interface slot (an ast.Expr, an ast.TableExpr) for which fn returns a
// replacement. fn also sees every pointer (top-down), whose replacement is
// ignored.
func rewriteTree(v reflect.Value, fn func(any) (any, bool)) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		fn(v.Interface())
		rewriteTree(v.Elem(), fn)
	case reflect.Interface:
		if v.IsNil() {
			return
		}
		rewriteTree(v.Elem(), fn)
		if v.CanSet() {
			if r, ok := fn(v.Interface()); ok && r != nil {
				v.Set(reflect.ValueOf(r))
			}
		}
	case reflect.Struct:
		if v.Type() == reflect.TypeOf(types.Value{}) {
			return
		}
		for j := 0; j < v.NumField(); j++ {
			if v.Type().Field(j).IsExported() {
				rewriteTree(v.Field(j), fn)
			}
		}
	case reflect.Slice, reflect.Array:
		for j := 0; j < v.Len(); j++ {
			rewriteTree(v.Index(j), fn)
		}
	}
}

func strArg(f *ast.Func, n int) (string, bool) {
	if n >= len(f.Args) {
		return "", false
	}
	l, ok := f.Args[n].(*ast.Literal)
	if !ok || l.Value.Kind() != types.KindString {
		return "", false
	}
	return l.Value.Str(), true
}

// catalogFuncNames are the functions that become constants.
var catalogFuncNames = map[string]bool{"current_schema": true, "current_database": true, "current_catalog": true,
	"current_user": true, "session_user": true, "user": true, "current_role": true, "pg_backend_pid": true,
	"current_setting": true, "current_schemas": true, "format_type": true, "quote_ident": true,
	"pg_get_userbyid": true, "pg_table_is_visible": true, "to_regclass": true, "pg_get_expr": true,
	"pg_get_indexdef": true, "pg_get_constraintdef": true,
	"obj_description": true, "col_description": true, "pg_encoding_to_char": true}

// catalogFunc rewrites a call of a PostgreSQL system function.
func (c *conn) catalogFunc(f *ast.Func, env func() *catalogEnv) (ast.Expr, bool, error) {
	null := lit(types.Null)
	switch strings.TrimPrefix(f.Name, "pg_catalog.") {
	case "current_schema":
		return lit(types.String(c.schema())), true, nil
	case "current_database", "current_catalog":
		return lit(types.String(c.info.Database)), true, nil
	case "current_user", "session_user", "user", "current_role", "getpgusername":
		return lit(types.String(c.info.User)), true, nil
	case "pg_backend_pid":
		return lit(types.Int(int64(c.pid))), true, nil
	case "current_setting":
		name, ok := strArg(f, 0)
		if !ok {
			return nil, false, sqlerr.New(sqlerr.FeatureNotSupported, "current_setting takes a constant name")
		}
		res := c.show(&ast.Show{Name: name})
		return lit(res.Rows[0][0]), true, nil
	case "current_schemas":
		elems := []ast.Expr{lit(types.String(c.schema()))}
		if l, ok := f.Args[0].(*ast.Literal); len(f.Args) > 0 && ok && l.Value.Bool() {
			elems = append([]ast.Expr{lit(types.String("pg_catalog"))}, elems...)
		}
		return &ast.ArrayLit{Elems: elems, Pos: -1}, true, nil
	case "pg_table_is_visible":
		if len(f.Args) != 1 {
			return nil, false, nil
		}
		var list []ast.Expr
		for _, col := range env().colls {
			if col.Workspace == c.schema() {
				list = append(list, lit(types.Int(relOID(col))), lit(types.Int(pkeyOID(col))))
			}
		}
		if len(list) == 0 {
			return lit(types.Bool(false)), true, nil
		}
		return &ast.InList{X: f.Args[0], List: list, Pos: -1}, true, nil
	case "pg_type_is_visible", "pg_function_is_visible", "has_table_privilege", "has_schema_privilege",
		"has_database_privilege", "has_column_privilege", "has_any_column_privilege", "pg_has_role",
		"has_function_privilege", "has_sequence_privilege":
		return lit(types.Bool(true)), true, nil
	case "pg_relation_is_publishable", "pg_is_in_recovery", "pg_is_other_temp_schema":
		return lit(types.Bool(false)), true, nil
	case "pg_get_userbyid":
		return lit(types.String(c.info.User)), true, nil
	case "pg_encoding_to_char", "pg_client_encoding":
		return lit(types.String("UTF8")), true, nil
	case "format_type":
		if len(f.Args) < 1 {
			return nil, false, nil
		}
		whens := make([]ast.When, 0, len(pgTypes))
		for _, t := range pgTypes {
			whens = append(whens, ast.When{Cond: lit(types.Int(int64(t.oid))), Then: lit(types.String(t.format))})
		}
		return &ast.Case{Operand: f.Args[0], Whens: whens, Else: null, Pos: -1}, true, nil
	case "quote_ident":
		if len(f.Args) != 1 {
			return nil, false, nil
		}
		x := f.Args[0]
		quoted := &ast.Binary{Op: "||", L: &ast.Binary{Op: "||", L: lit(types.String(`"`)),
			R: &ast.Func{Name: "replace", Args: []ast.Expr{x, lit(types.String(`"`)), lit(types.String(`""`))}, Pos: -1}, Pos: -1},
			R: lit(types.String(`"`)), Pos: -1}
		return &ast.Case{Whens: []ast.When{{
			Cond: &ast.Func{Name: "regexp_like", Args: []ast.Expr{x, lit(types.String(`^[a-z_][a-z0-9_$]*$`))}, Pos: -1},
			Then: x,
		}}, Else: quoted, Pos: -1}, true, nil
	case "parse_ident":
		name, ok := strArg(f, 0)
		if !ok {
			return nil, false, nil
		}
		var elems []ast.Expr
		for _, p := range strings.Split(name, ".") {
			if strings.HasPrefix(p, `"`) && strings.HasSuffix(p, `"`) && len(p) >= 2 {
				p = strings.ReplaceAll(p[1:len(p)-1], `""`, `"`)
			} else {
				p = strings.ToLower(p)
			}
			elems = append(elems, lit(types.String(p)))
		}
		return &ast.ArrayLit{Elems: elems, Pos: -1}, true, nil
	case "array_upper":
		if len(f.Args) != 2 {
			return nil, false, nil
		}
		return &ast.Func{Name: "cardinality", Args: f.Args[:1], Pos: -1}, true, nil
	case "array_lower":
		if len(f.Args) != 2 {
			return nil, false, nil
		}
		return &ast.Case{Whens: []ast.When{{Cond: &ast.Binary{Op: ">", L: &ast.Func{Name: "cardinality", Args: f.Args[:1], Pos: -1}, R: lit(types.Int(0)), Pos: -1}, Then: lit(types.Int(1))}}, Else: null, Pos: -1}, true, nil
	case "to_regclass":
		name, ok := strArg(f, 0)
		if !ok {
			return nil, false, nil
		}
		if oid, ok := c.lookupRel(env(), name); ok {
			return lit(types.Int(oid)), true, nil
		}
		return null, true, nil
	case "pg_get_indexdef":
		// pg_get_indexdef(index) is the CREATE INDEX statement,
		// pg_get_indexdef(index, column, pretty) one key column (0: all).
		if len(f.Args) < 1 {
			return nil, false, nil
		}
		var whens []ast.When
		for _, col := range env().colls {
			def := lit(types.String(pkeyIndexDef(col)))
			var then ast.Expr = def
			if len(f.Args) > 1 {
				then = &ast.Case{Operand: f.Args[1], Whens: []ast.When{{Cond: lit(types.Int(0)), Then: def}, {Cond: lit(types.Int(1)), Then: lit(types.String("_id"))}},
					Else: lit(types.String("")), Pos: -1}
			}
			whens = append(whens, ast.When{Cond: lit(types.Int(pkeyOID(col))), Then: then})
		}
		if len(whens) == 0 {
			return null, true, nil
		}
		return &ast.Case{Operand: f.Args[0], Whens: whens, Else: null, Pos: -1}, true, nil
	case "pg_get_constraintdef":
		if len(f.Args) < 1 {
			return nil, false, nil
		}
		var list []ast.Expr
		for _, col := range env().colls {
			list = append(list, lit(types.Int(pkeyConOID(col))))
		}
		if len(list) == 0 {
			return null, true, nil
		}
		return &ast.Case{Whens: []ast.When{{Cond: &ast.InList{X: f.Args[0], List: list, Pos: -1}, Then: lit(types.String("PRIMARY KEY (_id)"))}}, Else: null, Pos: -1}, true, nil
	case "information_schema._pg_expandarray", "_pg_expandarray":
		// The rows of an array with their positions, as a record (x, n).
		// Basalt's catalog arrays are the keys of primary key indexes and
		// constraints, which have one column: the record of their one
		// element. The function stands for its first row only.
		if len(f.Args) != 1 {
			return nil, false, nil
		}
		text := &ast.Func{Name: "btrim", Args: []ast.Expr{&ast.Cast{X: f.Args[0], Type: "text", Pos: -1}, lit(types.String("{}"))}, Pos: -1}
		obj := &ast.Binary{Op: "||", L: &ast.Binary{Op: "||", L: lit(types.String(`{"x": `)), R: text, Pos: -1}, R: lit(types.String(`, "n": 1}`)), Pos: -1}
		return &ast.Func{Name: "json_parse", Args: []ast.Expr{obj}, Pos: -1}, true, nil
	case "pg_get_expr", "pg_get_viewdef", "pg_get_triggerdef",
		"pg_get_statisticsobjdef_columns", "obj_description", "col_description", "shobj_description",
		"pg_get_partkeydef", "pg_get_function_arguments", "pg_get_function_result", "pg_get_serial_sequence",
		"pg_total_relation_size", "pg_relation_size", "pg_table_size", "pg_indexes_size", "pg_tablespace_location",
		"inet_server_addr", "inet_server_port", "pg_get_ruledef", "pg_get_function_identity_arguments",
		"pg_stat_get_numscans", "pg_database_size":
		return null, true, nil
	case "txid_current", "pg_current_xact_id":
		return lit(types.Int(1)), true, nil
	}
	return nil, false, nil
}

// catalogRelOIDs are the OIDs of PostgreSQL 15's system catalogs, which
// clients name as 'pg_class'::regclass (pg_description.classoid,
// pg_depend.refclassid …).
var catalogRelOIDs = map[string]int64{
	"pg_aggregate": 2600, "pg_am": 2601, "pg_attrdef": 2604, "pg_attribute": 1249, "pg_auth_members": 1261,
	"pg_authid": 1260, "pg_cast": 2605, "pg_class": 1259, "pg_collation": 3456, "pg_constraint": 2606,
	"pg_database": 1262, "pg_depend": 2608, "pg_description": 2609, "pg_enum": 3501, "pg_event_trigger": 3466,
	"pg_extension": 3079, "pg_foreign_data_wrapper": 2328, "pg_foreign_server": 1417, "pg_foreign_table": 3118,
	"pg_index": 2610, "pg_inherits": 2611, "pg_language": 2612, "pg_namespace": 2615, "pg_opclass": 2616,
	"pg_operator": 2617, "pg_partitioned_table": 3350, "pg_policy": 3256, "pg_proc": 1255, "pg_publication": 6104,
	"pg_publication_namespace": 6237, "pg_publication_rel": 6106, "pg_range": 3541, "pg_rewrite": 2618,
	"pg_sequence": 2224, "pg_shdescription": 2396, "pg_statistic_ext": 3381, "pg_tablespace": 1213,
	"pg_trigger": 2620, "pg_type": 1247,
}

// lookupRel resolves a relation name ("coll", "ws.coll", "pg_class") to
// its OID.
func (c *conn) lookupRel(env *catalogEnv, name string) (int64, bool) {
	ws, coll := c.schema(), name
	if a, b, ok := strings.Cut(name, "."); ok {
		ws, coll = a, b
	}
	ws, coll = strings.Trim(ws, `"`), strings.Trim(coll, `"`)
	if oid, ok := catalogRelOIDs[coll]; ok && (ws == "pg_catalog" || !strings.Contains(name, ".")) {
		// pg_catalog comes first on every search path.
		return oid, true
	}
	for _, col := range env.colls {
		if col.Workspace == ws && col.Name == coll {
			return relOID(col), true
		}
	}
	return 0, false
}

// catalogCast rewrites casts to PostgreSQL's OID alias types: a relation
// name ::regclass becomes its OID, an OID ::regtype its type name; oid and
// name are Basalt's integers and strings.
func (c *conn) catalogCast(x *ast.Cast, env func() *catalogEnv) (ast.Expr, bool, error) {
	typ := strings.TrimPrefix(strings.ToLower(x.Type), "pg_catalog.")
	switch typ {
	case "regclass":
		if l, ok := x.X.(*ast.Literal); ok && l.Value.Kind() == types.KindString {
			oid, ok := c.lookupRel(env(), l.Value.Str())
			if !ok {
				return nil, false, sqlerr.New(sqlerr.UndefinedTable, "relation %q does not exist", l.Value.Str())
			}
			return lit(types.Int(oid)), true, nil
		}
		return x.X, true, nil
	case "regtype":
		whens := make([]ast.When, 0, len(pgTypes))
		for _, t := range pgTypes {
			whens = append(whens, ast.When{Cond: lit(types.Int(int64(t.oid))), Then: lit(types.String(t.format))})
		}
		return &ast.Case{Operand: x.X, Whens: whens, Else: lit(types.Null), Pos: -1}, true, nil
	case "regnamespace":
		var whens []ast.When
		for _, n := range env().schemas() {
			whens = append(whens, ast.When{Cond: lit(types.Int(nsOID(n))), Then: lit(types.String(n))})
		}
		return &ast.Case{Operand: x.X, Whens: whens, Else: lit(types.Null), Pos: -1}, true, nil
	case "regproc", "regprocedure", "regrole", "regoper", "regconfig":
		return x.X, true, nil
	case "oid", "xid", "cid", "xid8":
		return &ast.Cast{X: x.X, Type: "int8", Pos: x.Pos}, true, nil
	case "name", `"char"`, "regdictionary":
		return &ast.Cast{X: x.X, Type: "text", Pos: x.Pos}, true, nil
	case "int2vector", "oidvector", "oid[]", "int2[]", "int4[]", "int8[]", "regtype[]", "name[]", "text[]", "varchar[]",
		"aclitem[]", `"char"[]`, "regclass[]", "character varying[]":
		// A constant in PostgreSQL's array syntax ('{a,b}'::text[], as
		// pgjdbc's getSQLKeywords writes its list) becomes an array.
		if l, ok := x.X.(*ast.Literal); ok && l.Value.Kind() == types.KindString && strings.HasSuffix(typ, "[]") {
			elems, err := parseArrayText(l.Value.Str(), typ != "text[]" && typ != "name[]" && typ != "varchar[]" &&
				typ != "character varying[]" && typ != `"char"[]` && typ != "aclitem[]" && typ != "regclass[]")
			if err != nil {
				return nil, false, err
			}
			return &ast.ArrayLit{Elems: elems, Pos: -1}, true, nil
		}
		return x.X, true, nil
	}
	return nil, false, nil
}

// parseArrayText reads a one-dimensional array in PostgreSQL's text
// syntax: {a,"b c",NULL}, elements as strings, or as integers when ints
// is set.
func parseArrayText(text string, ints bool) ([]ast.Expr, error) {
	bad := func() ([]ast.Expr, error) {
		return nil, sqlerr.New(sqlerr.InvalidText, "malformed array literal: %q", text)
	}
	t := strings.TrimSpace(text)
	if len(t) < 2 || t[0] != '{' || t[len(t)-1] != '}' {
		return bad()
	}
	t = t[1 : len(t)-1]
	var out []ast.Expr
	if strings.TrimSpace(t) == "" {
		return out, nil
	}
	for pos := 0; pos <= len(t); {
		for pos < len(t) && t[pos] == ' ' {
			pos++
		}
		var elem strings.Builder
		quoted := false
		if pos < len(t) && t[pos] == '"' {
			quoted = true
			pos++
			for ; pos < len(t) && t[pos] != '"'; pos++ {
				if t[pos] == '\\' && pos+1 < len(t) {
					pos++
				}
				elem.WriteByte(t[pos])
			}
			if pos == len(t) {
				return bad()
			}
			pos++
			for pos < len(t) && t[pos] == ' ' {
				pos++
			}
		} else {
			for ; pos < len(t) && t[pos] != ','; pos++ {
				if t[pos] == '{' || t[pos] == '"' {
					return bad()
				}
				if t[pos] == '\\' && pos+1 < len(t) {
					pos++
				}
				elem.WriteByte(t[pos])
			}
		}
		if pos < len(t) && t[pos] != ',' {
			return bad()
		}
		e := elem.String()
		if !quoted {
			e = strings.TrimSpace(e)
		}
		switch {
		case !quoted && strings.EqualFold(e, "null"):
			out = append(out, lit(types.Null))
		case ints:
			n, err := strconv.ParseInt(e, 10, 64)
			if err != nil {
				return bad()
			}
			out = append(out, lit(types.Int(n)))
		default:
			out = append(out, lit(types.String(e)))
		}
		pos++
	}
	return out, nil
}
