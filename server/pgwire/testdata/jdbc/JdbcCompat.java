// JdbcCompat drives a Basalt server with the PostgreSQL JDBC driver
// (pgjdbc), as Java applications and DBeaver do, and checks what comes back.
// server/pgwire/jdbc_test.go compiles and runs it:
//
//   java -cp <classes>:postgresql.jar JdbcCompat <jdbc-url> <user> <password> <mode>
//
// mode "all" runs every section against the collections the Go test loads;
// mode "auth" only connects (the password is an API key), reads the
// collection t, which holds the document "1", tries an INSERT into it that must
// fail with the SQLSTATE given as the fifth argument ("none": succeed), and
// checks that a wrong password fails with 28P01.
//
// Each section's failures are printed as "FAIL section: ..." lines; the
// program prints "ALL OK" and exits 0 only when nothing failed.

import java.io.StringReader;
import java.io.StringWriter;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.TreeSet;

import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyManager;
import org.postgresql.util.PGobject;

public class JdbcCompat {
    static final List<String> failures = new ArrayList<>();
    static String section = "";
    static String url, user, password;

    interface Section {
        void run() throws Exception;
    }

    public static void main(String[] args) throws Exception {
        url = args[0];
        user = args[1];
        password = args[2];
        String mode = args[3];
        if (mode.equals("auth")) {
            insertState = args[4];
            run("auth", JdbcCompat::auth);
        } else {
            run("connect", JdbcCompat::connecting);
            run("statement", JdbcCompat::statement);
            run("prepared", JdbcCompat::prepared);
            run("prepareThreshold", JdbcCompat::prepareThreshold);
            run("typeChange", JdbcCompat::typeChange);
            run("fetchSize", JdbcCompat::fetchSize);
            run("batch", JdbcCompat::batch);
            run("copyIn", JdbcCompat::copyIn);
            run("copyOut", JdbcCompat::copyOut);
            run("errors", JdbcCompat::errors);
            run("metadata", JdbcCompat::metadata);
        }
        for (String f : failures) {
            System.out.println("FAIL " + f);
        }
        if (!failures.isEmpty()) {
            System.exit(1);
        }
        System.out.println("ALL OK");
    }

    static void run(String name, Section s) {
        section = name;
        int before = failures.size();
        try {
            s.run();
        } catch (Throwable e) {
            StringWriter sw = new StringWriter();
            e.printStackTrace(new java.io.PrintWriter(sw));
            failures.add(name + ": " + sw.toString().trim());
        }
        System.out.println((failures.size() == before ? "ok   " : "fail ") + name);
    }

    static void eq(String what, Object got, Object want) {
        if (!Objects.equals(got, want)) {
            failures.add(section + ": " + what + ": got " + show(got) + ", want " + show(want));
        }
    }

    static void check(String what, boolean ok) {
        if (!ok) {
            failures.add(section + ": " + what);
        }
    }

    static String show(Object o) {
        if (o == null) {
            return "null";
        }
        return o.getClass().getSimpleName() + "(" + o + ")";
    }

    static Connection connect(Properties extra) throws SQLException {
        Properties p = new Properties();
        p.setProperty("user", user);
        if (!password.isEmpty()) {
            p.setProperty("password", password);
        }
        if (extra != null) {
            p.putAll(extra);
        }
        return DriverManager.getConnection(url, p);
    }

    static Connection connect() throws SQLException {
        return connect(null);
    }

    static PGobject json(String type, String value) throws SQLException {
        PGobject o = new PGobject();
        o.setType(type);
        o.setValue(value);
        return o;
    }

    /** The SQLSTATE of what run throws, or "none". */
    static String sqlState(Section s) {
        try {
            s.run();
            return "none";
        } catch (SQLException e) {
            return e.getSQLState();
        } catch (Exception e) {
            return e.toString();
        }
    }

    static String insertState;

    static void auth() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT count(*) AS n FROM t WHERE _id = '1'")) {
                check("a row", rs.next());
                eq("count", rs.getLong("n"), 1L);
            }
            eq("insert", sqlState(() -> st.executeUpdate("INSERT INTO t (_id) VALUES ('jdbc')")), insertState);
        }
        String saved = password;
        password = "bsk_not-a-key";
        eq("wrong key", sqlState(() -> connect().close()), "28P01");
        password = saved;
    }

    static void connecting() throws Exception {
        try (Connection c = connect()) {
            DatabaseMetaData md = c.getMetaData();
            eq("product", md.getDatabaseProductName(), "PostgreSQL");
            eq("version", md.getDatabaseProductVersion(), "15.0 (Basalt)");
            eq("major", md.getDatabaseMajorVersion(), 15);
            eq("user", md.getUserName(), user);
            eq("catalog", c.getCatalog(), "basalt");
            eq("schema", c.getSchema(), "commons");
            check("valid", c.isValid(5));
            c.setSchema("shop");
            eq("schema after setSchema", c.getSchema(), "shop");
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM orders")) {
                rs.next();
                eq("orders in shop", rs.getLong(1), 2L);
            }
            c.setSchema("commons");
            c.setReadOnly(true);
            c.setReadOnly(false);
            c.setTransactionIsolation(Connection.TRANSACTION_READ_COMMITTED);
            eq("isolation", c.getTransactionIsolation(), Connection.TRANSACTION_READ_COMMITTED);
            c.setClientInfo("ApplicationName", "jdbc-compat");
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SHOW application_name")) {
                rs.next();
                eq("application_name", rs.getString(1), "jdbc-compat");
            }
        }
        // A database named like a workspace makes it the default schema.
        try (Connection c = DriverManager.getConnection(url.replace("/basalt", "/shop"), user, password)) {
            eq("schema of database shop", c.getSchema(), "shop");
        }
    }

    static final Timestamp T_A = Timestamp.from(Instant.parse("2024-01-02T03:04:05.500Z"));

    static void statement() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            try (ResultSet rs = st.executeQuery("SELECT _id, age, score, name, vip, _event_time, tags, addr FROM people ORDER BY _id")) {
                ResultSetMetaData md = rs.getMetaData();
                eq("columns", md.getColumnCount(), 8);
                String[] typeNames = {"text", "int8", "float8", "text", "bool", "timestamptz", "jsonb", "jsonb"};
                int[] sqlTypes = {Types.VARCHAR, Types.BIGINT, Types.DOUBLE, Types.VARCHAR, Types.BIT, Types.TIMESTAMP, Types.OTHER, Types.OTHER};
                for (int i = 0; i < typeNames.length; i++) {
                    eq("type name of " + md.getColumnName(i + 1), md.getColumnTypeName(i + 1), typeNames[i]);
                    eq("sql type of " + md.getColumnName(i + 1), md.getColumnType(i + 1), sqlTypes[i]);
                }
                check("row a", rs.next());
                eq("_id", rs.getObject(1), "a");
                eq("age", rs.getObject(2), 31L);
                eq("age getInt", rs.getInt(2), 31);
                eq("score", rs.getObject(3), 1.5);
                eq("name", rs.getString("name"), "ann");
                eq("vip", rs.getObject(5), true);
                eq("vip getString", rs.getString(5), "t");
                eq("_event_time", rs.getTimestamp(6), T_A);
                eq("_event_time getObject", rs.getObject(6), T_A);
                eq("_event_time getString", rs.getString(6), "2024-01-02 03:04:05.5+00");
                eq("tags", rs.getObject(7), json("jsonb", "[\"x\",\"y\"]"));
                eq("tags getString", rs.getString(7), "[\"x\",\"y\"]");
                eq("addr", rs.getObject(8), json("jsonb", "{\"city\":\"Oslo\",\"zip\":null}"));
                check("row b", rs.next());
                eq("b tags", rs.getString(7), "[]");
                check("row c", rs.next());
                eq("c score", rs.getDouble(3), -3.0);
                eq("c tags", rs.getObject(7), null);
                check("c tags wasNull", rs.wasNull());
                check("no more rows", !rs.next());
            }
            // Expressions of each type, and a NULL.
            try (ResultSet rs = st.executeQuery("SELECT 1 AS i, 2.5 AS f, 'x' AS s, true AS b, NULL AS n, ARRAY[1, 2] AS a, TIMESTAMP '2024-05-06 07:08:09' AS t")) {
                rs.next();
                eq("int literal", rs.getObject("i"), 1L);
                eq("float literal", rs.getObject("f"), 2.5);
                eq("string literal", rs.getObject("s"), "x");
                eq("bool literal", rs.getObject("b"), true);
                eq("null literal", rs.getObject("n"), null);
                eq("array literal", rs.getString("a"), "[1,2]");
                eq("timestamp literal", rs.getTimestamp("t"), Timestamp.from(Instant.parse("2024-05-06T07:08:09Z")));
            }
            // execute() of a statement that returns no rows.
            check("SET returns no result set", !st.execute("SET statement_timeout = '10s'"));
            eq("update count of SET", st.getUpdateCount(), 0);
            eq("update count of INSERT", st.executeUpdate("INSERT INTO scratch (_id, n) VALUES ('s1', 1), ('s2', 2)"), 2);
        }
    }

    static void prepared() throws Exception {
        try (Connection c = connect()) {
            try (PreparedStatement ps = c.prepareStatement(
                    "SELECT _id, name FROM people WHERE age > ? AND name <> ? AND _event_time >= ? AND score < ? AND vip = ? ORDER BY _id")) {
                ps.setInt(1, 5);
                ps.setString(2, "zed");
                ps.setTimestamp(3, Timestamp.from(Instant.parse("2024-01-01T00:00:00Z")));
                ps.setDouble(4, 2.0);
                ps.setBoolean(5, true);
                List<String> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                eq("ids", ids.toString(), "[a, c]");
                ps.setInt(1, 40);
                ps.setBoolean(5, false);
                ps.setDouble(4, 100);
                ids.clear();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                eq("ids again", ids.toString(), "[b]");
            }
            // Parameters in the select list, of each type.
            try (PreparedStatement ps = c.prepareStatement("SELECT ? AS i, ? AS l, ? AS d, ? AS s, ? AS b, ? AS t")) {
                ps.setInt(1, 7);
                ps.setLong(2, 1L << 40);
                ps.setDouble(3, 0.25);
                ps.setString(4, "héllo");
                ps.setBoolean(5, false);
                ps.setTimestamp(6, T_A);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    eq("int param", rs.getInt("i"), 7);
                    eq("long param", rs.getLong("l"), 1L << 40);
                    eq("double param", rs.getDouble("d"), 0.25);
                    eq("string param", rs.getString("s"), "héllo");
                    eq("bool param", rs.getBoolean("b"), false);
                    eq("timestamp param", rs.getTimestamp("t"), T_A);
                }
            }
            // A NULL parameter, and setObject of a JSON value into a new document.
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO scratch (_id, n, doc) VALUES (?, ?, ?)")) {
                ps.setString(1, "p1");
                ps.setNull(2, Types.BIGINT);
                ps.setObject(3, json("jsonb", "{\"k\": [1, 2]}"));
                eq("insert count", ps.executeUpdate(), 1);
            }
            try (PreparedStatement ps = c.prepareStatement("SELECT n, doc FROM scratch WHERE _id = ?")) {
                ps.setString(1, "p1");
                try (ResultSet rs = ps.executeQuery()) {
                    check("row p1", rs.next());
                    eq("null n", rs.getObject(1), null);
                    eq("doc", rs.getString(2), "{\"k\":[1,2]}");
                }
            }
        }
    }

    // pgjdbc runs a PreparedStatement as unnamed statements for its first
    // prepareThreshold (5) executions, then as a named server-side
    // statement (S_1) that is bound and executed without a new Parse, and
    // with binary results for the types it knows.
    static void prepareThreshold() throws Exception {
        try (Connection c = connect(); PreparedStatement ps = c.prepareStatement(
                "SELECT _id, age, score, vip, _event_time, name, tags FROM people WHERE age >= ? ORDER BY age")) {
            PGStatement pgs = ps.unwrap(PGStatement.class);
            eq("threshold", pgs.getPrepareThreshold(), 5);
            for (int i = 1; i <= 10; i++) {
                ps.setLong(1, 30);
                try (ResultSet rs = ps.executeQuery()) {
                    check("run " + i + " row 1", rs.next());
                    eq("run " + i + " _id", rs.getString(1), "a");
                    eq("run " + i + " age", rs.getObject(2), 31L);
                    eq("run " + i + " score", rs.getObject(3), 1.5);
                    eq("run " + i + " vip", rs.getObject(4), true);
                    eq("run " + i + " _event_time", rs.getTimestamp(5), T_A);
                    eq("run " + i + " name", rs.getString(6), "ann");
                    eq("run " + i + " tags", rs.getString(7), "[\"x\",\"y\"]");
                    check("run " + i + " row 2", rs.next());
                    eq("run " + i + " age b", rs.getLong(2), 42L);
                    check("run " + i + " no row 3", !rs.next());
                }
                eq("server-prepared after run " + i, pgs.isUseServerPrepare(), i >= 4);
            }
        }
    }

    // A field that gains a second kind changes the type a server-prepared
    // statement's column was described as. Basalt answers as PostgreSQL
    // does when a table changes under a cached plan (0A000, routine
    // RevalidateCachedQuery), which pgjdbc heals by preparing again.
    static void typeChange() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement();
             PreparedStatement ps = c.prepareStatement("SELECT v FROM shifty WHERE _id = ?")) {
            st.executeUpdate("INSERT INTO shifty (_id, v) VALUES ('x', 1)");
            for (int i = 1; i <= 6; i++) {
                ps.setString(1, "x");
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    eq("v as int, run " + i, rs.getObject(1), 1L);
                }
            }
            st.executeUpdate("INSERT INTO shifty (_id, v) VALUES ('y', 'one')");
            ps.setString(1, "y");
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                eq("v as text", rs.getObject(1), "one");
            }
        }
    }

    // With autocommit off and a fetch size, pgjdbc reads a result through a
    // named portal, FetchSize rows per Execute (PortalSuspended between).
    static void fetchSize() throws Exception {
        try (Connection c = connect(); Statement st = c.createStatement()) {
            c.setAutoCommit(false);
            st.setFetchSize(3);
            List<Long> got = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("SELECT x FROM generate_series(1, 10) AS g(x) ORDER BY x")) {
                while (rs.next()) {
                    got.add(rs.getLong(1));
                }
            }
            eq("rows", got.toString(), "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]");
            try (PreparedStatement ps = c.prepareStatement("SELECT _id FROM people WHERE age > ? ORDER BY _id")) {
                ps.setFetchSize(1);
                ps.setInt(1, 0);
                List<String> ids = new ArrayList<>();
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        ids.add(rs.getString(1));
                    }
                }
                eq("prepared rows", ids.toString(), "[a, b, c]");
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    static void batch() throws Exception {
        for (String rewrite : new String[] {"false", "true"}) {
            Properties p = new Properties();
            p.setProperty("reWriteBatchedInserts", rewrite);
            try (Connection c = connect(p); PreparedStatement ps = c.prepareStatement("INSERT INTO batched (_id, n, label) VALUES (?, ?, ?)")) {
                for (int i = 0; i < 3; i++) {
                    ps.setString(1, "r" + rewrite + i);
                    ps.setInt(2, i);
                    ps.setString(3, "row " + i);
                    ps.addBatch();
                }
                int[] counts = ps.executeBatch();
                int total = 0;
                for (int n : counts) {
                    total += n == Statement.SUCCESS_NO_INFO ? 1 : n;
                }
                eq("rows written, rewrite=" + rewrite, total, 3);
                try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery(
                        "SELECT count(*), sum(n) FROM batched WHERE _id LIKE 'r" + rewrite + "%'")) {
                    rs.next();
                    eq("count, rewrite=" + rewrite, rs.getLong(1), 3L);
                    eq("sum, rewrite=" + rewrite, rs.getLong(2), 3L);
                }
            }
        }
        // A Statement batch.
        try (Connection c = connect(); Statement st = c.createStatement()) {
            st.addBatch("INSERT INTO batched (_id, n) VALUES ('s1', 10)");
            st.addBatch("INSERT INTO batched (_id, n) VALUES ('s2', 20)");
            int[] counts = st.executeBatch();
            eq("statement batch", counts.length, 2);
            // A batch with a failing statement throws BatchUpdateException.
            st.addBatch("INSERT INTO batched (_id, n) VALUES ('s3', 30)");
            st.addBatch("INSERT INTO nosuchws.nosuch (_id) VALUES ('x')");
            try {
                st.executeBatch();
                failures.add(section + ": failing batch did not throw");
            } catch (BatchUpdateException e) {
                check("batch error has a SQLSTATE: " + e.getSQLState(), e.getSQLState() != null);
            }
        }
    }

    static void copyIn() throws Exception {
        try (Connection c = connect()) {
            CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
            String csv = "_id,kind,amount\ne1,click,2.5\ne2,view,1\n\"e3\",\"a,b\",\n";
            long n = cm.copyIn("COPY events FROM STDIN WITH (FORMAT csv, HEADER)", new StringReader(csv));
            eq("rows copied", n, 3L);
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT _id, kind, amount FROM events ORDER BY _id")) {
                StringBuilder sb = new StringBuilder();
                while (rs.next()) {
                    sb.append(rs.getString(1)).append('|').append(rs.getString(2)).append('|').append(rs.getString(3)).append(';');
                }
                eq("copied rows", sb.toString(), "e1|click|2.5;e2|view|1;e3|a,b|null;");
            }
            // Text format with a column list.
            n = cm.copyIn("COPY events (_id, kind) FROM STDIN", new StringReader("e4\tscroll\ne5\t\\N\n"));
            eq("text rows copied", n, 2L);
            // A missing collection fails with its SQLSTATE.
            eq("copy into missing", sqlState(() -> cm.copyIn("COPY nope FROM STDIN (FORMAT csv, HEADER)", new StringReader("a\n1\n"))), "42P01");
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM events")) {
                rs.next();
                eq("events after copies", rs.getLong(1), 5L);
            }
        }
    }

    static void copyOut() throws Exception {
        try (Connection c = connect()) {
            CopyManager cm = c.unwrap(PGConnection.class).getCopyAPI();
            StringWriter w = new StringWriter();
            long n = cm.copyOut("COPY (SELECT _id, name, age, vip, tags, _event_time FROM people ORDER BY _id) TO STDOUT (FORMAT csv, HEADER)", w);
            eq("csv rows", n, 3L);
            eq("csv", w.toString(), "_id,name,age,vip,tags,_event_time\n"
                + "a,ann,31,t,\"[\"\"x\"\",\"\"y\"\"]\",2024-01-02 03:04:05.5+00\n"
                + "b,bob,42,f,[],2024-01-03 00:00:00+00\n"
                + "c,cid,7,t,,2024-01-04 00:00:00+00\n");
            // The text format, of what copyIn wrote.
            w = new StringWriter();
            n = cm.copyOut("COPY (SELECT _id, kind, amount FROM events ORDER BY _id) TO STDOUT", w);
            eq("text rows", n, 5L);
            eq("text", w.toString(), "e1\tclick\t2.5\ne2\tview\t1\ne3\ta,b\t\\N\ne4\tscroll\t\\N\ne5\t\\N\t\\N\n");
            // A whole collection, its rows in no particular order.
            w = new StringWriter();
            n = cm.copyOut("COPY shop.orders TO STDOUT (FORMAT csv)", w);
            List<String> lines = new ArrayList<>(List.of(w.toString().split("\n")));
            java.util.Collections.sort(lines);
            eq("orders", n + " " + lines.size() + " " + lines.get(0).replaceAll(",[^,]*,", ",…,"), "2 2 o1,…,10");
            eq("copy out of missing", sqlState(() -> cm.copyOut("COPY nope TO STDOUT", new StringWriter())), "42P01");
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                check("select after copy out", rs.next());
            }
        }
    }

    static void errors() throws Exception {
        try (Connection c = connect()) {
            eq("missing table", sqlState(() -> c.createStatement().executeQuery("SELECT * FROM nope")), "42P01");
            eq("syntax error", sqlState(() -> c.createStatement().executeQuery("SELEC 1")), "42601");
            eq("missing table, prepared", sqlState(() -> { PreparedStatement ps = c.prepareStatement("SELECT * FROM nope WHERE x = ?"); ps.setInt(1, 1); ps.executeQuery(); }), "42P01");
            eq("division by zero", sqlState(() -> c.createStatement().executeQuery("SELECT 1/0")), "22012");
            eq("unknown function", sqlState(() -> c.createStatement().executeQuery("SELECT nosuchfn(1)")), "42883");
            try {
                c.createStatement().executeQuery("SELECT * FROM nope");
            } catch (SQLException e) {
                check("message names the table: " + e.getMessage(), e.getMessage().contains("nope"));
            }
            // The connection still works after errors.
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 1")) {
                check("select after errors", rs.next() && rs.getInt(1) == 1);
            }
            // An error inside a transaction fails it until rollback.
            c.setAutoCommit(false);
            eq("error in transaction", sqlState(() -> c.createStatement().executeQuery("SELECT * FROM nope")), "42P01");
            eq("next statement in failed transaction", sqlState(() -> c.createStatement().executeQuery("SELECT 1")), "25P02");
            c.rollback();
            try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT 2")) {
                check("select after rollback", rs.next() && rs.getInt(1) == 2);
            }
            c.commit();
            c.setAutoCommit(true);
        }
    }

    static List<String> column(ResultSet rs, String name) throws SQLException {
        List<String> out = new ArrayList<>();
        try (rs) {
            while (rs.next()) {
                out.add(rs.getString(name));
            }
        }
        return out;
    }

    static void metadata() throws Exception {
        try (Connection c = connect()) {
            DatabaseMetaData md = c.getMetaData();
            eq("driver", md.getDriverName(), "PostgreSQL JDBC Driver");
            eq("catalogs", column(md.getCatalogs(), "TABLE_CAT").toString(), "[basalt]");
            List<String> schemas = column(md.getSchemas(), "TABLE_SCHEM");
            eq("schemas", schemas.toString(), "[commons, information_schema, pg_catalog, shop]");
            eq("schemas like s%", column(md.getSchemas(null, "s%"), "TABLE_SCHEM").toString(), "[shop]");
            eq("tables in commons", column(md.getTables(null, "commons", "%", new String[] {"TABLE"}), "TABLE_NAME").toString(),
                "[batched, events, people, scratch, shifty]");
            // Without types, the primary keys' indexes too, as PostgreSQL lists them.
            try (ResultSet rs = md.getTables(null, "commons", "%", null)) {
                StringBuilder sb = new StringBuilder();
                while (rs.next()) {
                    sb.append(rs.getString("TABLE_TYPE")).append(' ').append(rs.getString("TABLE_NAME")).append(';');
                }
                eq("tables and indexes in commons", sb.toString(), "INDEX batched_pkey;INDEX events_pkey;INDEX people_pkey;INDEX scratch_pkey;INDEX shifty_pkey;"
                    + "TABLE batched;TABLE events;TABLE people;TABLE scratch;TABLE shifty;");
            }
            try (ResultSet rs = md.getTables(null, "commons", "peo%", new String[] {"TABLE"})) {
                check("people table", rs.next());
                eq("TABLE_CAT", rs.getString("TABLE_CAT"), null);
                eq("TABLE_SCHEM", rs.getString("TABLE_SCHEM"), "commons");
                eq("TABLE_NAME", rs.getString("TABLE_NAME"), "people");
                eq("TABLE_TYPE", rs.getString("TABLE_TYPE"), "TABLE");
                check("one table", !rs.next());
            }
            eq("tables in shop", column(md.getTables(null, "shop", "%", new String[] {"TABLE", "VIEW"}), "TABLE_NAME").toString(), "[orders]");
            eq("table types", column(md.getTableTypes(), "TABLE_TYPE").contains("TABLE"), true);
            try (ResultSet rs = md.getColumns(null, "commons", "people", "%")) {
                StringBuilder sb = new StringBuilder();
                while (rs.next()) {
                    sb.append(rs.getInt("ORDINAL_POSITION")).append(' ').append(rs.getString("COLUMN_NAME")).append(' ')
                        .append(rs.getString("TYPE_NAME")).append(' ').append(rs.getInt("DATA_TYPE")).append(' ')
                        .append(rs.getString("IS_NULLABLE")).append('\n');
                }
                eq("columns of people", sb.toString(),
                    "1 _id text 12 NO\n"
                    + "2 _event_time timestamptz 93 NO\n"
                    + "3 addr jsonb 1111 YES\n"
                    + "4 age int8 -5 YES\n"
                    + "5 name text 12 YES\n"
                    + "6 score float8 8 YES\n"
                    + "7 tags jsonb 1111 YES\n"
                    + "8 vip bool -7 YES\n");
            }
            eq("columns like a%", column(md.getColumns(null, "commons", "people", "a%"), "COLUMN_NAME").toString(), "[addr, age]");
            try (ResultSet rs = md.getPrimaryKeys(null, "commons", "people")) {
                StringBuilder sb = new StringBuilder();
                while (rs.next()) {
                    sb.append(rs.getString("TABLE_NAME")).append('.').append(rs.getString("COLUMN_NAME")).append(' ')
                        .append(rs.getInt("KEY_SEQ")).append(' ').append(rs.getString("PK_NAME"));
                }
                eq("primary key", sb.toString(), "people._id 1 people_pkey");
            }
            eq("imported keys", column(md.getImportedKeys(null, "commons", "people"), "FKCOLUMN_NAME").toString(), "[]");
            eq("index info", column(md.getIndexInfo(null, "commons", "people", false, true), "COLUMN_NAME").toString(), "[_id]");
            TreeSet<String> typeNames = new TreeSet<>(column(md.getTypeInfo(), "TYPE_NAME"));
            for (String t : new String[] {"bool", "int8", "float8", "text", "timestamptz", "jsonb"}) {
                check("getTypeInfo lists " + t + ": " + typeNames, typeNames.contains(t));
            }
            column(md.getFunctions(null, "pg_catalog", "%"), "FUNCTION_NAME");
            column(md.getProcedures(null, "commons", "%"), "PROCEDURE_NAME");
            eq("identifier quote", md.getIdentifierQuoteString(), "\"");
            // DBeaver's SQL dialect reads its keywords here (pg_get_keywords
            // less SQL:2003's): it quotes names that are keywords.
            List<String> keywords = List.of(md.getSQLKeywords().split(","));
            check("keywords include analyse: " + keywords, keywords.contains("analyse"));
            check("keywords leave out SQL:2003's select", !keywords.contains("select"));
        }
    }
}
