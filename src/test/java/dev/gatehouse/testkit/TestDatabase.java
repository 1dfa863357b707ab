package dev.gatehouse.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh, empty database for one test class: an in-memory H2 (PostgreSQL mode) or a new schema in the local
 * PostgreSQL, chosen by the system property {@code gatehouse.test.db} (Surefire runs the suite once per engine).
 * A missing PostgreSQL skips with a message locally and fails under CI=true.
 */
public record TestDatabase(String engine, String url, String user, String schema) implements AutoCloseable {
    public static final String PG_URL =
            System.getProperty("gatehouse.test.pg.url", "jdbc:postgresql://127.0.0.1:5432/test");
    public static final String PG_USER = System.getProperty("gatehouse.test.pg.user", "postgres");

    public static String selectedEngine() {
        return System.getProperty("gatehouse.test.db", "h2").toLowerCase(Locale.ROOT);
    }

    public static TestDatabase create() {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        if (!"postgres".equals(selectedEngine())) {
            return new TestDatabase(
                    "h2",
                    "jdbc:h2:mem:" + name + dev.gatehouse.platform.db.Database.h2Options() + ";DB_CLOSE_DELAY=-1",
                    "sa",
                    null);
        }
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, "")) {
            c.createStatement().execute("CREATE SCHEMA " + name);
        } catch (SQLException e) {
            Unreachable.skipOrFail("PostgreSQL at " + PG_URL + " is unreachable: " + e.getMessage(), e);
        }
        return new TestDatabase("postgres", PG_URL + "?currentSchema=" + name, PG_USER, name);
    }

    /** Runs one statement on its own connection, as an operator would in the database; returns the rows changed. */
    public int update(String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(url, user, "");
                var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            return ps.executeUpdate();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The single number a query such as {@code SELECT COUNT(*) ...} answers, on its own connection. */
    public long count(String sql, Object... args) {
        try (Connection c = DriverManager.getConnection(url, user, "");
                var ps = c.prepareStatement(sql)) {
            for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
            try (var rs = ps.executeQuery()) {
                rs.next();
                return rs.getLong(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (schema == null) return;
        try (Connection c = DriverManager.getConnection(PG_URL, PG_USER, "")) {
            c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        } catch (SQLException ignored) {
            // best effort; schemas are uniquely named
        }
    }
}
