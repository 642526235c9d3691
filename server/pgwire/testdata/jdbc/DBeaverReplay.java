// DBeaverReplay runs the catalog queries DBeaver's PostgreSQL plugin sends,
// through pgjdbc as DBeaver does (one connection, a PreparedStatement per
// query, parameters bound with setLong and setString), and prints what
// comes back. server/pgwire/jdbc_test.go (TestDBeaverQueries) writes the
// requests from testdata/jdbc/dbeaver and compares the output with the
// expected results there.
//
//   java -cp <classes>:postgresql.jar DBeaverReplay <jdbc-url> <user> <password> <requests>
//
// The requests file holds cases:
//
//   @@case name
//   @@param long 16385        (or: @@param string commons)
//   @@show oid,relname        (columns to print; all when absent)
//   @@maxrows 200             (Statement.setMaxRows, as DBeaver's data viewer)
//   @@exec                    (run with execute(), print no rows)
//   SQL, any number of lines
//   @@end
//
// and the output, for each case, "@@case name" and then "error SQLSTATE:
// message", or "n columns" and a line per row of col=value pairs (NULL for
// SQL NULL).

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

public class DBeaverReplay {
    static class Case {
        String name;
        List<String[]> params = new ArrayList<>();
        List<String> show;
        int maxRows;
        boolean exec;
        StringBuilder sql = new StringBuilder();
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.setProperty("user", args[1]);
        if (!args[2].isEmpty()) {
            p.setProperty("password", args[2]);
        }
        // What DBeaver's PostgreSQL driver settings send.
        p.setProperty("ApplicationName", "DBeaver 25.0.0 - Metadata");
        List<Case> cases = parse(Files.readAllLines(Paths.get(args[3]), StandardCharsets.UTF_8));
        StringBuilder out = new StringBuilder();
        try (Connection c = DriverManager.getConnection(args[0], p)) {
            for (Case k : cases) {
                out.append("@@case ").append(k.name).append('\n');
                try {
                    run(c, k, out);
                } catch (SQLException e) {
                    out.append("error ").append(e.getSQLState()).append(": ").append(e.getMessage().replace('\n', ' ')).append('\n');
                }
            }
        }
        System.out.print(out);
        System.out.println("ALL OK");
    }

    static List<Case> parse(List<String> lines) {
        List<Case> cases = new ArrayList<>();
        Case k = null;
        for (String l : lines) {
            if (l.startsWith("@@case ")) {
                k = new Case();
                k.name = l.substring(7);
            } else if (l.startsWith("@@param ")) {
                String[] kv = l.substring(8).split(" ", 2);
                k.params.add(kv);
            } else if (l.startsWith("@@show ")) {
                k.show = List.of(l.substring(7).split(","));
            } else if (l.startsWith("@@maxrows ")) {
                k.maxRows = Integer.parseInt(l.substring(10));
            } else if (l.equals("@@exec")) {
                k.exec = true;
            } else if (l.equals("@@end")) {
                cases.add(k);
                k = null;
            } else {
                if (k.sql.length() > 0) {
                    k.sql.append('\n');
                }
                k.sql.append(l);
            }
        }
        return cases;
    }

    static void run(Connection c, Case k, StringBuilder out) throws SQLException {
        try (PreparedStatement ps = c.prepareStatement(k.sql.toString())) {
            for (int i = 0; i < k.params.size(); i++) {
                String[] kv = k.params.get(i);
                if (kv[0].equals("long")) {
                    ps.setLong(i + 1, Long.parseLong(kv[1]));
                } else {
                    ps.setString(i + 1, kv[1]);
                }
            }
            if (k.maxRows > 0) {
                ps.setMaxRows(k.maxRows);
            }
            if (k.exec) {
                ps.execute();
                out.append("ok\n");
                return;
            }
            try (ResultSet rs = ps.executeQuery()) {
                ResultSetMetaData md = rs.getMetaData();
                out.append(md.getColumnCount()).append(" columns\n");
                while (rs.next()) {
                    StringBuilder row = new StringBuilder();
                    for (int i = 1; i <= md.getColumnCount(); i++) {
                        String name = md.getColumnLabel(i);
                        if (k.show != null && !k.show.contains(name)) {
                            continue;
                        }
                        String v = rs.getString(i);
                        if (row.length() > 0) {
                            row.append(' ');
                        }
                        row.append(name).append('=').append(v == null ? "NULL" : v);
                    }
                    out.append(row).append('\n');
                }
            }
        }
    }
}
