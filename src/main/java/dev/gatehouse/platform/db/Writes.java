package dev.gatehouse.platform.db;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.jdbi.v3.core.Handle;
import org.jdbi.v3.core.statement.SqlStatements;
import org.jdbi.v3.core.statement.StatementContext;
import org.jdbi.v3.core.statement.StatementCustomizer;
import org.jdbi.v3.core.statement.UnableToExecuteStatementException;

/**
 * Writes a transaction does not look at the outcome of (an audit row, a new session, the time of the last sign-in):
 * queued and sent together, right before the transaction's next statement or its commit. On PostgreSQL they go as
 * one multi-statement request, so a sign-in's five writes cost one round trip instead of five; on the embedded H2,
 * where a statement costs no round trip, they run one by one at the same point. Reads in the transaction always see
 * the queued writes: every statement first flushes the queue ({@link #FLUSH_FIRST}). Outside a
 * {@link Database#inTransaction} transaction a write runs at once. See ADR 0014.
 *
 * <p>Only for writes whose failure nobody handles on the spot and whose row count nobody reads: a failure surfaces
 * at the flush and rolls the whole transaction back, as it would have from the write itself.
 */
public final class Writes {
    private static final String ATTRIBUTE = "gatehouse.writes";

    /** Registered on the Jdbi instance: any statement of a transaction first sends the writes queued before it. */
    static final StatementCustomizer FLUSH_FIRST = new StatementCustomizer() {
        @Override
        public void beforeExecution(PreparedStatement stmt, StatementContext ctx) {
            if (ctx.getAttribute(ATTRIBUTE) instanceof Writes w && w.open) w.flush();
        }
    };

    private final Handle handle;
    private final boolean oneRequest;
    private final boolean asyncCommit;
    private boolean open = true;
    private final List<String> statements = new ArrayList<>();
    private final List<Object[]> arguments = new ArrayList<>();

    private Writes(Handle handle, boolean oneRequest, boolean asyncCommit) {
        this.handle = handle;
        this.oneRequest = oneRequest;
        this.asyncCommit = asyncCommit;
    }

    /**
     * Attaches a queue to a transaction's handle. {@code asyncCommit} (PostgreSQL, with {@code oneRequest}): the
     * commit does not wait for the WAL flush ({@link Database.Commit#ASYNC}).
     */
    static Writes open(Handle h, boolean oneRequest, boolean asyncCommit) {
        var w = new Writes(h, oneRequest, asyncCommit);
        h.define(ATTRIBUTE, w);
        return w;
    }

    /**
     * Runs {@code sql} (positional {@code ?} parameters, no trailing semicolon) with the transaction's next round trip,
     * or at once when {@code h} is not in a {@link Database#inTransaction} transaction.
     */
    public static void later(Handle h, String sql, Object... args) {
        Writes w = current(h);
        if (w != null) {
            w.statements.add(sql);
            w.arguments.add(args.clone());
        } else {
            execute(h, sql, args);
        }
    }

    /** True while {@code h} is in a transaction that queues writes (a nested transaction then joins it). */
    static boolean queueing(Handle h) {
        return current(h) != null;
    }

    /** The open queue of the transaction {@code h} is in, or null. */
    private static Writes current(Handle h) {
        return h.getConfig(SqlStatements.class).getAttribute(ATTRIBUTE) instanceof Writes w && w.open ? w : null;
    }

    /** The transaction is over (committed or rolled back): later writes on the handle run at once. */
    void close() {
        open = false;
        statements.clear();
        arguments.clear();
    }

    /** Sends what is queued. */
    void flush() {
        send(false);
    }

    /**
     * The end of a transaction that commits: on PostgreSQL the queued writes and the {@code COMMIT} go as one request
     * (pgjdbc then knows the transaction is over, and the connection's own commit sends nothing); otherwise as
     * {@link #flush}, the caller committing. An asynchronous commit sets {@code synchronous_commit} for this
     * transaction alone in the same request, so it costs no round trip.
     */
    void flushAndCommit() {
        if (asyncCommit) {
            statements.add("SET LOCAL synchronous_commit TO OFF");
            arguments.add(new Object[0]);
        }
        send(oneRequest);
    }

    private void send(boolean commit) {
        if (statements.isEmpty()) return;
        if (commit) {
            statements.add("COMMIT");
            arguments.add(new Object[0]);
        }
        try {
            if (oneRequest) {
                execute(handle, String.join(";\n", statements), arguments.toArray(Object[][]::new));
            } else {
                for (int i = 0; i < statements.size(); i++) execute(handle, statements.get(i), arguments.get(i));
            }
        } finally {
            statements.clear();
            arguments.clear();
        }
    }

    /**
     * Plain JDBC on the handle's connection (raw statements do not pass {@link #FLUSH_FIRST}): binding through Jdbi's
     * argument factories cost more than the rest of the flush. The values are the few types queued writes carry.
     */
    private static void execute(Handle h, String sql, Object[]... args) {
        try (PreparedStatement ps = h.getConnection().prepareStatement(sql)) {
            int position = 1;
            for (Object[] a : args) {
                for (Object value : a) bind(ps, position++, value);
            }
            ps.execute();
        } catch (SQLException e) {
            throw new UnableToExecuteStatementException("Queued writes failed", e, null);
        }
    }

    private static void bind(PreparedStatement ps, int position, Object value) throws SQLException {
        switch (value) {
            case null -> ps.setNull(position, Types.OTHER); // untyped, as Database configures Jdbi's nulls
            case String s -> ps.setString(position, s);
            case Instant i -> ps.setObject(position, OffsetDateTime.ofInstant(i, ZoneOffset.UTC));
            default -> ps.setObject(position, value); // UUID, numbers, booleans
        }
    }
}
