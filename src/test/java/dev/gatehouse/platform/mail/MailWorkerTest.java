package dev.gatehouse.platform.mail;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.ServerTest;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link MailWorker} on the engine under test: mail goes out right after the commit that enqueued it, not at the
 * next poll (here an hour away), and mail of a transaction that rolled back never does.
 */
@ServerTest
class MailWorkerTest {
    static final Duration HOUR = Duration.ofHours(1);

    static MigratedDatabase database;
    static Database db;

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
        db.useTransaction(h -> h.execute("DELETE FROM mail_outbox"));
    }

    /** Hands every message it is given to the test. */
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

    static MailMessage message(String to) {
        return new MailMessage(to, "Hello " + to, "text for " + to, "<p>html for " + to + "</p>");
    }

    @Test
    void whenATransactionEnqueuesMail_thenItGoesOutAfterTheCommitWithoutWaitingForThePoll() throws Exception {
        var outbox = new MailOutbox(db, Clock.systemUTC());
        var inbox = new Inbox();
        try (var worker = new MailWorker(outbox, inbox, HOUR)) {
            worker.start();
            // A rolled-back transaction's mail is never sent; the commit after it is, within moments.
            try {
                db.useTransaction(h -> {
                    outbox.enqueue(h, message("rolled-back@example.com"));
                    throw new IllegalStateException("roll back");
                });
            } catch (IllegalStateException expected) {
                // rolled back
            }
            db.useTransaction(h -> outbox.enqueue(h, message("first@example.com")));
            assertThat(inbox.received.poll(10, TimeUnit.SECONDS))
                    .extracting(MailMessage::to)
                    .isEqualTo("first@example.com");

            db.useTransaction(h -> outbox.enqueue(h, message("second@example.com")));
            assertThat(inbox.received.poll(10, TimeUnit.SECONDS))
                    .extracting(MailMessage::to)
                    .isEqualTo("second@example.com");
            assertThat(inbox.received.poll(300, TimeUnit.MILLISECONDS)).isNull();
        }
    }

    @Test
    void whenMailWaitsFromBeforeAStart_thenTheWorkerDeliversItAtOnce() throws Exception {
        var outbox = new MailOutbox(db, Clock.systemUTC());
        db.useTransaction(h -> outbox.enqueue(h, message("left@example.com")));
        var inbox = new Inbox();
        try (var worker = new MailWorker(outbox, inbox, HOUR)) {
            worker.start();
            assertThat(inbox.received.poll(10, TimeUnit.SECONDS))
                    .extracting(MailMessage::to)
                    .isEqualTo("left@example.com");
        }
    }
}
