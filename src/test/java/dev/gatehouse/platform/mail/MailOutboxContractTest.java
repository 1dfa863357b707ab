package dev.gatehouse.platform.mail;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.mail.MailOutbox.Entry;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.MutableClock;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link MailOutbox} contract, on the engine under test (convention 7), and the {@link MailWorker} on it. */
@ServerTest
class MailOutboxContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static MigratedDatabase database;
    static Database db;
    MutableClock clock;
    MailOutbox outbox;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    @BeforeEach
    void emptyOutbox() {
        // deliverDue() works on the whole table, so each test starts from an empty outbox.
        db.useTransaction(h -> h.execute("DELETE FROM mail_outbox"));
        clock = new MutableClock(T0);
        outbox = new MailOutbox(db, clock, true); // as the dev outbox shows them; see whenTheTransportIsReal_...
    }

    /** Records what it was asked to send; fails while {@code failure} is set. */
    static final class FakeTransport implements MailTransport {
        final List<MailMessage> sent = new ArrayList<>();
        int calls;
        Exception failure;

        @Override
        public void send(MailMessage message) throws Exception {
            calls++;
            if (failure != null) throw failure;
            sent.add(message);
        }

        @Override
        public String describe() {
            return "fake";
        }
    }

    static MailMessage message(String to) {
        return new MailMessage(to, "Hello " + to, "text for " + to, "<p>html for " + to + "</p>");
    }

    void enqueue(MailMessage m) {
        db.useTransaction(h -> outbox.enqueue(h, m));
    }

    Entry only() {
        List<Entry> all = outbox.recent(10, 0);
        assertThat(all).hasSize(1);
        return all.getFirst();
    }

    @Test
    void whenEnqueued_thenRecentShowsItUnsent() {
        enqueue(message("a@example.com"));

        Entry e = only();
        assertThat(e.recipient()).isEqualTo("a@example.com");
        assertThat(e.subject()).isEqualTo("Hello a@example.com");
        assertThat(e.textBody()).isEqualTo("text for a@example.com");
        assertThat(e.createdAt()).isEqualTo(T0);
        assertThat(e.sentAt()).isNull();
        assertThat(e.attempts()).isZero();
        assertThat(e.lastError()).isNull();
    }

    @Test
    void whenTheEnqueuingTransactionRollsBack_thenNoMailIsQueued() {
        assertThatThrownBy(() -> db.useTransaction(h -> {
                    outbox.enqueue(h, message("rollback@example.com"));
                    throw new IllegalStateException("the change failed");
                }))
                .hasMessage("the change failed");

        assertThat(outbox.recent(10, 0)).isEmpty();
    }

    @Test
    void whenListingRecent_thenNewestFirstWithLimitAndOffset() {
        for (String to : List.of("1@example.com", "2@example.com", "3@example.com")) {
            enqueue(message(to));
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(outbox.recent(2, 0)).extracting(Entry::recipient).containsExactly("3@example.com", "2@example.com");
        assertThat(outbox.recent(2, 2)).extracting(Entry::recipient).containsExactly("1@example.com");
    }

    @Test
    void whenTransportSucceeds_thenMessageIsSentOnceAndMarkedSent() {
        var transport = new FakeTransport();
        enqueue(message("ok@example.com"));
        clock.advance(Duration.ofSeconds(1));

        assertThat(outbox.deliverDue(transport, 10)).isEqualTo(1);
        assertThat(outbox.deliverDue(transport, 10)).isZero();

        assertThat(transport.sent).containsExactly(message("ok@example.com"));
        Entry e = only();
        assertThat(e.sentAt()).isEqualTo(T0.plusSeconds(1));
        assertThat(e.attempts()).isEqualTo(1);
        assertThat(e.lastError()).isNull();
    }

    @Test
    void whenTransportFails_thenAttemptAndErrorAreRecordedAndRetriedOnlyAfterBackoff() {
        var transport = new FakeTransport();
        transport.failure = new IllegalStateException("smtp down");
        enqueue(message("retry@example.com"));

        assertThat(outbox.deliverDue(transport, 10)).isZero();
        Entry failed = only();
        assertThat(failed.attempts()).isEqualTo(1);
        assertThat(failed.lastError()).isEqualTo("IllegalStateException: smtp down");
        assertThat(failed.sentAt()).isNull();

        // Backoff after the first failure is 60 s: not due a moment before, due at the mark.
        clock.advance(Duration.ofSeconds(59));
        assertThat(outbox.deliverDue(transport, 10)).isZero();
        assertThat(transport.calls).isEqualTo(1);

        transport.failure = null;
        clock.advance(Duration.ofSeconds(1));
        assertThat(outbox.deliverDue(transport, 10)).isEqualTo(1);

        Entry sent = only();
        assertThat(sent.attempts()).isEqualTo(2);
        assertThat(sent.lastError()).isNull();
        assertThat(sent.sentAt()).isEqualTo(T0.plusSeconds(60));
        assertThat(transport.sent).containsExactly(message("retry@example.com"));
    }

    @Test
    void whenTransportKeepsFailing_thenDeliveryStopsAfterEightAttempts() {
        var transport = new FakeTransport();
        transport.failure = new IllegalStateException("mailbox unavailable");
        enqueue(message("dead@example.com"));

        for (int i = 0; i < 12; i++) {
            outbox.deliverDue(transport, 10);
            clock.advance(Duration.ofDays(1));
        }

        assertThat(transport.calls).isEqualTo(8);
        assertThat(only().attempts()).isEqualTo(8);
    }

    /** Both bodies as stored, joined. */
    static String storedBodies() {
        return db.withHandle(h -> h.createQuery("SELECT text_body || html_body FROM mail_outbox")
                .mapTo(String.class)
                .one());
    }

    @Test
    void whenTheTransportIsReal_thenRecentLeavesTheBodyOut() {
        var real = new MailOutbox(db, clock, false);
        db.useTransaction(h -> real.enqueue(h, message("real@example.com")));

        Entry e = real.recent(10, 0).getFirst();
        assertThat(e.recipient()).isEqualTo("real@example.com");
        assertThat(e.subject()).isEqualTo("Hello real@example.com");
        assertThat(e.textBody()).isNull();
        assertThat(storedBodies()).contains("text for real@example.com"); // kept for the next attempt
    }

    @Test
    void whenARealTransportGivesUp_thenTheBodiesAreCleared() {
        var transport = new FakeTransport();
        transport.failure = new IllegalStateException("smtp down");
        enqueue(message("outage@example.com"));

        for (int i = 1; i < 8; i++) {
            outbox.deliverDue(transport, 10);
            clock.advance(Duration.ofDays(1));
        }
        assertThat(storedBodies()).as("still to be retried").contains("outage@example.com");
        outbox.deliverDue(transport, 10);

        assertThat(only().attempts()).isEqualTo(8);
        assertThat(storedBodies()).isEmpty();
    }

    @Test
    void whenErrorIsLong_thenStoredErrorIsCutTo500Characters() {
        var transport = new FakeTransport();
        transport.failure = new IllegalStateException("x".repeat(2_000));
        enqueue(message("long@example.com"));

        outbox.deliverDue(transport, 10);

        assertThat(only().lastError()).hasSize(500).startsWith("IllegalStateException: xxx");
    }

    @Test
    void whenMoreAreDueThanTheBatch_thenOldestGoFirstAndTheRestNextRound() {
        var transport = new FakeTransport();
        for (String to : List.of("1@example.com", "2@example.com", "3@example.com")) {
            enqueue(message(to));
            clock.advance(Duration.ofSeconds(1));
        }

        assertThat(outbox.deliverDue(transport, 2)).isEqualTo(2);
        assertThat(transport.sent).extracting(MailMessage::to).containsExactly("1@example.com", "2@example.com");
        assertThat(outbox.deliverDue(transport, 2)).isEqualTo(1);
        assertThat(transport.sent).extracting(MailMessage::to).endsWith("3@example.com");
    }

    /** Hands every message it is given to the test, from the worker's thread. */
    static final class Inbox implements MailTransport {
        final BlockingQueue<MailMessage> received = new LinkedBlockingQueue<>();

        @Override
        public void send(MailMessage message) {
            received.add(message);
        }

        @Override
        public String describe() {
            return "inbox";
        }
    }

    /**
     * The {@link MailWorker} sends mail right after the commit that enqueued it, not at its next poll (an hour away
     * here), and never the mail of a transaction that rolled back.
     */
    @Test
    void whenATransactionEnqueuesMail_thenTheWorkerSendsItAfterTheCommitWithoutWaitingForThePoll() throws Exception {
        var inbox = new Inbox();
        try (var worker = new MailWorker(outbox, inbox, Duration.ofHours(1))) {
            worker.start();
            assertThatThrownBy(() -> db.useTransaction(h -> {
                        outbox.enqueue(h, message("rolled-back@example.com"));
                        throw new IllegalStateException("the change failed");
                    }))
                    .hasMessage("the change failed");
            for (String to : List.of("first@example.com", "second@example.com")) {
                enqueue(message(to));
                assertThat(inbox.received.poll(10, TimeUnit.SECONDS))
                        .extracting(MailMessage::to)
                        .isEqualTo(to);
            }
            assertThat(inbox.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    /** Mail left unsent from before a start (this node stopped, or another did) goes out when the worker starts. */
    @Test
    void whenMailWaitsFromBeforeAStart_thenTheWorkerSendsItAtOnce() throws Exception {
        enqueue(message("left@example.com"));
        var inbox = new Inbox();
        try (var worker = new MailWorker(outbox, inbox, Duration.ofHours(1))) {
            worker.start();
            assertThat(inbox.received.poll(10, TimeUnit.SECONDS))
                    .extracting(MailMessage::to)
                    .isEqualTo("left@example.com");
        }
    }
}
