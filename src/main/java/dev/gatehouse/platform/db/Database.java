package dev.gatehouse.platform.db;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.SQLExceptionOverride;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.h2.api.ErrorCode;
import org.jdbi.v3.core.Jdbi;

/**
 * The one connection pool and schema. The same Flyway migrations run on H2 (PostgreSQL mode) and PostgreSQL;
 * stores reach SQL only through {@link #jdbi()} or {@link #inTransaction}.
 */
public final class Database implements AutoCloseable {
    private final HikariDataSource pool;
    private final Jdbi jdbi;
    private final boolean postgres;

    private Database(HikariDataSource pool, boolean postgres) {
        this.pool = pool;
        this.postgres = postgres;
        this.jdbi = Jdbi.create(pool);
        // A null of unknown type (a nullable UUID column, say) is sent untyped, so PostgreSQL infers the column's type.
        jdbi.getConfig(org.jdbi.v3.core.argument.Arguments.class)
                .setUntypedNullArgument(new org.jdbi.v3.core.argument.NullArgument(java.sql.Types.OTHER));
        jdbi.addCustomizer(Writes.FLUSH_FIRST);
    }

    /** The embedded default: an H2 file under the data directory, in PostgreSQL compatibility mode. */
    public static String embeddedUrl(Path dataDir) {
        return "jdbc:h2:file:" + dataDir.toAbsolutePath().resolve("gatehouse") + h2Options();
    }

    public static String h2Options() {
        return ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE;DEFAULT_NULL_ORDERING=HIGH;DB_CLOSE_ON_EXIT=FALSE";
    }

    public static Database open(String url, Optional<String> user, Optional<String> password, int maxPool) {
        var cfg = new HikariConfig();
        cfg.setJdbcUrl(url);
        user.ifPresent(cfg::setUsername);
        password.ifPresent(cfg::setPassword);
        cfg.setMaximumPoolSize(maxPool);
        cfg.setMinimumIdle(Math.min(2, maxPool));
        cfg.setPoolName("gatehouse");
        // READ COMMITTED is set once per physical connection. Asking for it per transaction instead costs pgjdbc six
        // "SHOW TRANSACTION ISOLATION LEVEL" round trips per transaction (JDBI reads the level before and after).
        cfg.setTransactionIsolation("TRANSACTION_READ_COMMITTED");
        cfg.setConnectionTimeout(3_000);
        cfg.setValidationTimeout(1_000);
        // Start even when the database is down: readiness reports it and the pool reconnects later.
        cfg.setInitializationFailTimeout(-1);
        if (url.startsWith("jdbc:h2:")) cfg.setExceptionOverride(new H2ConnectionLoss());
        var pool = new HikariDataSource(cfg);
        return new Database(pool, url.startsWith("jdbc:postgresql:"));
    }

    public void migrate() {
        Flyway.configure()
                .dataSource(pool)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    public Jdbi jdbi() {
        return jdbi;
    }

    public DataSource dataSource() {
        return pool;
    }

    public HikariDataSource pool() {
        return pool;
    }

    public boolean isPostgres() {
        return postgres;
    }

    /**
     * A READ COMMITTED transaction (every pooled connection is at that level), with a queue for {@link Writes#later}
     * sent before the commit. Called inside another one on the same thread, Jdbi hands it the outer handle and
     * transaction: it then queues into the outer queue, which the outer transaction sends with its commit.
     */
    public <T> T inTransaction(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return inTransaction(Commit.DURABLE, work);
    }

    /** How the commit of a transaction waits; see ADR 0020. */
    public enum Commit {
        /** The commit returns once the transaction is on disk (and on synchronous standbys): the default. */
        DURABLE,
        /**
         * On PostgreSQL the commit returns without waiting for the disk ({@code synchronous_commit = off} for this
         * transaction): the WAL writer flushes it within {@code wal_writer_delay} (200 ms by default). A database
         * crash inside that window loses the whole transaction, never part of it, and any later durable commit makes
         * it durable too. Only for rows whose loss grants nothing and costs the user no more than signing in again:
         * an SSO session and its sign-in, an authorization code nothing has redeemed. No effect on H2.
         */
        ASYNC
    }

    /**
     * As {@link #inTransaction(org.jdbi.v3.core.HandleCallback)}, committing as {@code commit} says. Inside another
     * transaction the outer one's commit decides.
     */
    public <T> T inTransaction(Commit commit, org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return jdbi.inTransaction(h -> {
            if (Writes.queueing(h)) return work.withHandle(h);
            var writes = Writes.open(h, postgres, postgres && commit == Commit.ASYNC);
            try {
                T result = work.withHandle(h);
                writes.flushAndCommit();
                return result;
            } finally {
                writes.close();
            }
        });
    }

    public void useTransaction(org.jdbi.v3.core.HandleConsumer<RuntimeException> work) {
        inTransaction(h -> {
            work.useHandle(h);
            return null;
        });
    }

    /** Runs {@code work} once {@code h}'s transaction commits (never if it rolls back), or at once outside one. */
    public static void afterCommit(org.jdbi.v3.core.Handle h, Runnable work) {
        if (h.isInTransaction()) h.afterCommit(work);
        else work.run();
    }

    public <T> T withHandle(org.jdbi.v3.core.HandleCallback<T, RuntimeException> work) {
        return jdbi.withHandle(work);
    }

    /**
     * True when a connection can be had and answers within a second. A connection that does not answer is evicted, so
     * the pool replaces it with a fresh one once the database is back.
     */
    public boolean ping() {
        try (var c = pool.getConnection()) {
            if (c.isValid(1)) return true;
            pool.evictConnection(c);
            return false;
        } catch (SQLException | RuntimeException e) {
            return false;
        }
    }

    /**
     * H2 (server mode) reports a lost connection with its own error codes rather than SQLState 08xxx, which is all
     * HikariCP recognises; without this the pool keeps lending the dead connection after the server is back.
     */
    private static final class H2ConnectionLoss implements SQLExceptionOverride {
        @java.lang.Override
        public SQLExceptionOverride.Override adjudicate(SQLException e) {
            return switch (e.getErrorCode()) {
                case ErrorCode.CONNECTION_BROKEN_1,
                        ErrorCode.DATABASE_IS_CLOSED,
                        ErrorCode.DATABASE_CALLED_AT_SHUTDOWN -> SQLExceptionOverride.Override.MUST_EVICT;
                default -> SQLExceptionOverride.Override.CONTINUE_EVICT;
            };
        }
    }

    /** Rows locked by another transaction are skipped on PostgreSQL; H2 has no SKIP LOCKED. */
    public String skipLocked() {
        return postgres ? " FOR UPDATE SKIP LOCKED" : " FOR UPDATE";
    }

    public static boolean isUniqueViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23505".equals(s.getSQLState())) return true;
        }
        return false;
    }

    @java.lang.Override
    public void close() {
        pool.close();
    }
}
