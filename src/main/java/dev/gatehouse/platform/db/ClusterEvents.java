package dev.gatehouse.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the other nodes of a cluster what this one changed, so their local caches follow at once (DESIGN.md §2:
 * PostgreSQL LISTEN/NOTIFY). A writer calls {@link #publish} inside its transaction; PostgreSQL delivers the
 * notification to every listening node when, and only if, the transaction commits. Each node listens on one
 * connection of its own and hands each event to the subscribers of its topic.
 *
 * <p>Events are hints for caches, never the record: a node that was not listening (a lost connection, a restart) may
 * have missed some, so after every (re)connection the {@link #onGap} callbacks run and the caches catch up from the
 * tables, as they also do on their own timers. On H2 (one node, embedded) nothing is sent: the writers have already
 * updated this node's caches.
 */
public final class ClusterEvents implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ClusterEvents.class);
    static final String CHANNEL = "gatehouse_events";
    private static final Duration RECONNECT_AFTER = Duration.ofSeconds(1);

    private final Database db;
    private final Map<String, List<Consumer<String>>> subscribers = new ConcurrentHashMap<>();
    private final List<Runnable> gapHandlers = new CopyOnWriteArrayList<>();
    private volatile boolean running;
    private volatile Thread listener;
    private volatile Connection connection;

    public ClusterEvents(Database db) {
        this.db = db;
    }

    /** Runs {@code handler} with the payload of every event on {@code topic} (from any node, this one included). */
    public void subscribe(String topic, Consumer<String> handler) {
        subscribers.computeIfAbsent(topic, t -> new CopyOnWriteArrayList<>()).add(handler);
    }

    /** Runs {@code handler} after every (re)connection of the listener: events may have been missed before it. */
    public void onGap(Runnable handler) {
        gapHandlers.add(handler);
    }

    /** Sends {@code payload} on {@code topic} to every node when {@code h}'s transaction commits. */
    public void publish(Handle h, String topic, String payload) {
        if (!db.isPostgres()) return;
        if (topic.indexOf(' ') >= 0) throw new IllegalArgumentException("topic must be one word: " + topic);
        h.createQuery("SELECT pg_notify(:channel, :message)")
                .bind("channel", CHANNEL)
                .bind("message", topic + " " + payload)
                .mapTo(String.class)
                .findOne();
    }

    /** {@link #publish} in a transaction of its own, for a change already committed. */
    public void publishNow(String topic, String payload) {
        if (db.isPostgres()) db.useTransaction(h -> publish(h, topic, payload));
    }

    /** Starts listening (PostgreSQL only); returns at once, the listener connects in the background. */
    public void start() {
        if (!db.isPostgres() || running) return;
        running = true;
        listener = Thread.ofVirtual().name("gatehouse-cluster-events").start(this::listen);
    }

    private void listen() {
        boolean failing = false;
        while (running) {
            try (Connection c = DriverManager.getConnection(
                    db.pool().getJdbcUrl(), db.pool().getUsername(), db.pool().getPassword())) {
                connection = c;
                try (var s = c.createStatement()) {
                    s.execute("LISTEN " + CHANNEL);
                }
                if (failing) log.info("Cluster events: listening again");
                failing = false;
                gapHandlers.forEach(ClusterEvents::runQuietly);
                PGConnection pg = c.unwrap(PGConnection.class);
                while (running) {
                    PGNotification[] batch = pg.getNotifications(500);
                    if (batch == null) continue;
                    for (PGNotification n : batch) dispatch(n.getParameter());
                }
            } catch (SQLException | RuntimeException e) {
                if (!running) return;
                if (!failing) log.warn("Cluster events: listener lost its connection ({}); retrying", e.toString());
                failing = true;
                try {
                    Thread.sleep(RECONNECT_AFTER.toMillis());
                } catch (InterruptedException ie) {
                    return;
                }
            } finally {
                connection = null;
            }
        }
    }

    void dispatch(String message) {
        int space = message.indexOf(' ');
        if (space <= 0) return;
        List<Consumer<String>> handlers = subscribers.get(message.substring(0, space));
        if (handlers == null) return;
        String payload = message.substring(space + 1);
        for (Consumer<String> h : handlers) runQuietly(() -> h.accept(payload));
    }

    private static void runQuietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            log.warn("Cluster events: a handler failed: {}", e.toString());
        }
    }

    @Override
    public void close() {
        running = false;
        Connection c = connection;
        if (c != null) {
            try {
                c.close();
            } catch (SQLException e) {
                // closing anyway
            }
        }
        Thread t = listener;
        if (t != null) {
            t.interrupt();
            try {
                t.join(2_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
