package dev.gatehouse.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Instant;
import java.util.UUID;
import org.jdbi.v3.core.Handle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@link Writes}: queued writes reach the database with the transaction's next statement or its commit, in order,
 * and share its fate (on H2 one by one, on PostgreSQL as one request).
 */
@ServerTest
class WritesContractTest {
    static MigratedDatabase database;
    static final Instant AT = Instant.parse("2030-01-02T03:04:05Z");

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    private static void insert(Handle h, String id) {
        Writes.later(h, "INSERT INTO used_jtis (id, expires_at) VALUES (?, ?)", id, AT);
    }

    private static long count(String... ids) {
        return database.db()
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM used_jtis WHERE id IN (<ids>)")
                        .bindList("ids", (Object[]) ids)
                        .mapTo(Long.class)
                        .one());
    }

    private static String id() {
        return UUID.randomUUID().toString();
    }

    @Test
    void whenTheTransactionCommits_thenEveryQueuedWriteIsStored() {
        String a = id(), b = id(), c = id();
        database.db().useTransaction(h -> {
            insert(h, a);
            insert(h, b);
            Writes.later(h, "UPDATE used_jtis SET expires_at = ? WHERE id = ?", AT.plusSeconds(60), a);
            insert(h, c);
        });
        assertThat(count(a, b, c)).isEqualTo(3);
        // The update queued after the first insert ran after it.
        Instant expires = database.db()
                .withHandle(h -> h.createQuery("SELECT expires_at FROM used_jtis WHERE id = :id")
                        .bind("id", a)
                        .mapTo(Instant.class)
                        .one());
        assertThat(expires).isEqualTo(AT.plusSeconds(60));
    }

    @Test
    void whenATransactionRunsInsideAnother_thenTheWritesQueuedAroundAndInsideItAreAllStored_atTheOuterCommit() {
        // Jdbi hands a nested inTransaction the outer handle: the inner one must neither replace the outer queue
        // (the writes queued after it were lost) nor commit the outer transaction's writes early.
        String before = id(), inside = id(), after = id();
        database.db().useTransaction(h -> {
            insert(h, before);
            database.db().useTransaction(inner -> insert(inner, inside));
            insert(h, after);
        });
        assertThat(count(before, inside, after)).isEqualTo(3);

        String rolledBack = id(), alsoRolledBack = id();
        assertThatThrownBy(() -> database.db().useTransaction(h -> {
                    insert(h, rolledBack);
                    database.db().useTransaction(inner -> insert(inner, alsoRolledBack));
                    throw new IllegalStateException("abort");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(count(rolledBack, alsoRolledBack)).isZero();
    }

    @Test
    void whenAHandleOutlivesItsTransaction_thenLaterWritesOnItRunAtOnce() {
        String inTransaction = id(), afterwards = id();
        database.db().withHandle(h -> {
            database.db().useTransaction(tx -> insert(tx, inTransaction));
            insert(h, afterwards); // no transaction any more: not queued, written now
            assertThat(count(afterwards)).isEqualTo(1);
            return null;
        });
        assertThat(count(inTransaction, afterwards)).isEqualTo(2);
    }

    @Test
    void whenTheTransactionReadsAfterQueuing_thenItSeesItsOwnWrites() {
        String a = id();
        long seen = database.db().inTransaction(h -> {
            insert(h, a);
            return h.createQuery("SELECT COUNT(*) FROM used_jtis WHERE id = :id")
                    .bind("id", a)
                    .mapTo(Long.class)
                    .one();
        });
        assertThat(seen).isEqualTo(1);
    }

    @Test
    void whenTheTransactionFailsAfterQueuing_thenNothingIsStored() {
        String a = id();
        assertThatThrownBy(() -> database.db().useTransaction(h -> {
                    insert(h, a);
                    throw new IllegalStateException("boom");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(count(a)).isZero();
    }

    @Test
    void whenAQueuedWriteFails_thenTheWholeTransactionRollsBack() {
        String a = id(), taken = id();
        database.db().useTransaction(h -> insert(h, taken));
        assertThatThrownBy(() -> database.db().useTransaction(h -> {
                    insert(h, a);
                    insert(h, taken); // duplicate key, found at the flush before commit
                }))
                .satisfies(e -> assertThat(Database.isUniqueViolation(e)).isTrue());
        assertThat(count(a)).isZero();
    }

    @Test
    void whenTheCommitIsAsync_thenTheWritesAreStoredAsAfterAnyCommit_andAFailureStillRollsThemBack() {
        String a = id(), b = id();
        long seen = database.db().inTransaction(Database.Commit.ASYNC, h -> {
            insert(h, a);
            insert(h, b);
            return 1L;
        });
        assertThat(seen).isEqualTo(1);
        assertThat(count(a, b)).isEqualTo(2);

        String rolledBack = id();
        assertThatThrownBy(() -> database.db().inTransaction(Database.Commit.ASYNC, h -> {
                    insert(h, rolledBack);
                    throw new IllegalStateException("abort");
                }))
                .isInstanceOf(IllegalStateException.class);
        assertThat(count(rolledBack)).isZero();
    }

    @Test
    void whenTheCommitIsAsync_thenItReturnsBeforeTheWalIsFlushed_whileADurableOneReturnsAfter() {
        assumeTrue(database.db().isPostgres(), "asynchronous commit is PostgreSQL's; H2 commits as before");
        // Durable: once the commit returns, the WAL is on disk at least up to the transaction's own write.
        for (int i = 0; i < 5; i++) {
            assertThat(flushedUpTo(writeAndReadLsn(Database.Commit.DURABLE))).isTrue();
        }
        // Async: the commit returns before the WAL writer's next flush (every 200 ms). That flush, or another backend's
        // durable commit, can fall between the commit and the check, so one try in five must see the WAL unflushed.
        boolean seenUnflushed = false;
        for (int i = 0; i < 5 && !seenUnflushed; i++) {
            seenUnflushed = !flushedUpTo(writeAndReadLsn(Database.Commit.ASYNC));
        }
        assertThat(seenUnflushed).isTrue();
    }

    @Test
    void whenAnAsyncCommitIsDone_thenTheConnectionCommitsDurablyAgain() {
        assumeTrue(database.db().isPostgres(), "asynchronous commit is PostgreSQL's");
        // The same connection throughout: the setting lasted only for the one transaction (SET LOCAL).
        String after = database.db().withHandle(h -> {
            database.db().inTransaction(Database.Commit.ASYNC, tx -> {
                insert(tx, id());
                return null;
            });
            return h.createQuery("SHOW synchronous_commit").mapTo(String.class).one();
        });
        assertThat(after).isEqualTo("on");
    }

    /** A queued write, then the WAL insert position after it; the commit follows as {@code commit} says. */
    private static String writeAndReadLsn(Database.Commit commit) {
        return database.db().inTransaction(commit, h -> {
            insert(h, id());
            return h.createQuery("SELECT CAST(pg_current_wal_insert_lsn() AS text)")
                    .mapTo(String.class)
                    .one();
        });
    }

    private static boolean flushedUpTo(String lsn) {
        return database.db()
                .withHandle(h -> h.createQuery("SELECT pg_current_wal_flush_lsn() >= CAST(:lsn AS pg_lsn)")
                        .bind("lsn", lsn)
                        .mapTo(Boolean.class)
                        .one());
    }

    @Test
    void whenNoTransactionIsOpen_thenTheWriteRunsAtOnce() {
        String a = id();
        database.db().withHandle(h -> {
            insert(h, a);
            return null;
        });
        assertThat(count(a)).isEqualTo(1);
    }

    @Test
    void whenValuesAreNull_thenTheyAreBoundAsNull() {
        UUID user = database.insertUser("writes-" + UUID.randomUUID() + "@example.test");
        UUID event = UUID.randomUUID();
        database.db()
                .useTransaction(h -> Writes.later(
                        h,
                        "INSERT INTO audit_events (id, event_type, outcome, user_id, actor_id, session_id, reason, ip,"
                                + " user_agent, request_id, details, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        event,
                        "test.event",
                        "success",
                        user,
                        null,
                        null,
                        null,
                        "127.0.0.1",
                        null,
                        "req-1",
                        null,
                        AT));
        long stored = database.db()
                .withHandle(h -> h.createQuery("SELECT COUNT(*) FROM audit_events WHERE id = :id AND actor_id IS NULL"
                                + " AND details IS NULL AND user_id = :u")
                        .bind("id", event)
                        .bind("u", user)
                        .mapTo(Long.class)
                        .one());
        assertThat(stored).isEqualTo(1);
    }
}
