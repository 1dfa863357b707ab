package dev.gatehouse.testkit;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Optional;

/**
 * A transaction of the test's own, on its own connection, holding row locks: a request that needs one of those rows
 * waits at that statement until the test {@link #close releases} them. It stops the server's work at a chosen point
 * without sleeping, so an interleaving of two requests can be set up exactly; {@link #awaitWaiter} tells when a request
 * has reached its wait.
 */
public final class HeldLock implements AutoCloseable {
    private static final Duration PATIENCE = Duration.ofSeconds(10);

    private final TestDatabase database;
    private final Connection connection;
    private final int session;

    /** Runs {@code lockingQuery} (a {@code SELECT ... FOR UPDATE}) and holds what it locked; it must find a row. */
    public HeldLock(TestDatabase database, String lockingQuery, Object... args) {
        this.database = database;
        try {
            this.connection = DriverManager.getConnection(database.url(), database.user(), "");
            connection.setAutoCommit(false);
            this.session = sessionOf(connection);
            try (var ps = connection.prepareStatement(lockingQuery)) {
                for (int i = 0; i < args.length; i++) ps.setObject(i + 1, args[i]);
                try (var rs = ps.executeQuery()) {
                    if (!rs.next()) throw new IllegalStateException("nothing to lock: " + lockingQuery);
                }
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** This transaction's session (PostgreSQL backend pid, H2 session id), for {@link #awaitWaiter}. */
    public int session() {
        return session;
    }

    /**
     * Waits until another session waits for a lock {@code holder} holds (this transaction's {@link #session}, or a
     * session that itself waits on it), and returns that session. Fails after ten seconds.
     */
    public int awaitWaiter(int holder) {
        long until = System.nanoTime() + PATIENCE.toNanos();
        while (System.nanoTime() < until) {
            Optional<Integer> waiter = waiterOf(holder);
            if (waiter.isPresent()) return waiter.get();
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new AssertionError("no session started waiting for session " + holder + " within " + PATIENCE);
    }

    private Optional<Integer> waiterOf(int holder) {
        String sql = "postgres".equals(database.engine())
                ? "SELECT pid FROM pg_stat_activity WHERE ? = ANY(pg_blocking_pids(pid))"
                : "SELECT session_id FROM information_schema.sessions WHERE blocker_id = ?";
        try (Connection c = DriverManager.getConnection(database.url(), database.user(), "");
                var ps = c.prepareStatement(sql)) {
            ps.setInt(1, holder);
            try (var rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(rs.getInt(1)) : Optional.empty();
            }
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    private int sessionOf(Connection c) throws SQLException {
        String sql = "postgres".equals(database.engine()) ? "SELECT pg_backend_pid()" : "SELECT SESSION_ID()";
        try (var rs = c.createStatement().executeQuery(sql)) {
            rs.next();
            return rs.getInt(1);
        }
    }

    /** Releases the locks (rolls the transaction back): the waiting requests go on. */
    @Override
    public void close() {
        try (connection) {
            connection.rollback();
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
