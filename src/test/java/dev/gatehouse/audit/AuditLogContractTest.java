package dev.gatehouse.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.MutableClock;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link AuditLog} contract, on the engine under test (convention 7). */
@ServerTest
class AuditLogContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static final RequestInfo INFO = new RequestInfo("198.51.100.4", "curl/8.5", Optional.of("device-9"), "req-42");

    static MigratedDatabase database;
    static Database db;
    static MutableClock clock;
    static AuditLog audit;

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
        clock = new MutableClock(T0);
        audit = new AuditLog(db, clock);
    }

    @AfterAll
    static void close() {
        database.close();
    }

    List<AuditRecord> byUser(UUID user) {
        return audit.list(Optional.of(user), Optional.empty(), 100, 0);
    }

    @Test
    void whenRecorded_thenListShowsEveryField() {
        UUID user = UUID.randomUUID();
        UUID admin = UUID.randomUUID();
        UUID session = UUID.randomUUID();
        clock.advance(Duration.ofSeconds(1));
        Instant at = clock.instant();

        audit.record(
                AuditEvent.failure("user.login", user, "wrong_password")
                        .actor(admin)
                        .session(session)
                        .details(Map.of("attempt", 3, "method", "password")),
                INFO);

        var records = byUser(user);
        assertThat(records).hasSize(1);
        var r = records.getFirst();
        assertThat(r.id()).isNotNull();
        assertThat(r.userId()).isEqualTo(user);
        assertThat(r.actorId()).isEqualTo(admin);
        assertThat(r.sessionId()).isEqualTo(session);
        assertThat(r.eventType()).isEqualTo("user.login");
        assertThat(r.outcome()).isEqualTo("failure");
        assertThat(r.reason()).isEqualTo("wrong_password");
        assertThat(r.ip()).isEqualTo("198.51.100.4");
        assertThat(r.userAgent()).isEqualTo("curl/8.5");
        assertThat(r.requestId()).isEqualTo("req-42");
        assertThat(r.details()).isEqualTo(Map.of("attempt", 3, "method", "password"));
        assertThat(r.createdAt()).isEqualTo(at);
    }

    @Test
    void whenEventHasNoDetailsOrReason_thenTheyComeBackAsNull() {
        UUID user = UUID.randomUUID();

        audit.record(AuditEvent.success("user.logout", user), INFO);

        var r = byUser(user).getFirst();
        assertThat(r.reason()).isNull();
        assertThat(r.sessionId()).isNull();
        assertThat(r.details()).isNull();
    }

    @Test
    void whenRecordedInATransactionThatRollsBack_thenNoEventExists() {
        UUID user = UUID.randomUUID();

        assertThatThrownBy(() -> db.useTransaction(h -> {
                    audit.record(h, AuditEvent.success("user.password_changed", user), INFO);
                    throw new IllegalStateException("the change failed");
                }))
                .hasMessage("the change failed");

        assertThat(byUser(user)).isEmpty();
    }

    @Test
    void whenListing_thenNewestFirst() {
        UUID user = UUID.randomUUID();
        for (String type : List.of("first", "second", "third")) {
            clock.advance(Duration.ofSeconds(1));
            audit.record(AuditEvent.success(type, user), INFO);
        }

        assertThat(byUser(user)).extracting(AuditRecord::eventType).containsExactly("third", "second", "first");
        assertThat(audit.list(Optional.empty(), Optional.empty(), 100, 0))
                .extracting(AuditRecord::createdAt)
                .isSortedAccordingTo((a, b) -> b.compareTo(a));
    }

    @Test
    void whenFilteringByUserAndType_thenOnlyMatchingEventsComeBack() {
        UUID user = UUID.randomUUID();
        UUID other = UUID.randomUUID();
        clock.advance(Duration.ofSeconds(1));
        audit.record(AuditEvent.success("user.login", user), INFO);
        audit.record(AuditEvent.success("user.logout", user), INFO);
        audit.record(AuditEvent.success("user.login", other), INFO);

        assertThat(byUser(user))
                .extracting(AuditRecord::eventType)
                .containsExactlyInAnyOrder("user.login", "user.logout");
        assertThat(audit.list(Optional.of(user), Optional.of("user.login"), 100, 0))
                .extracting(AuditRecord::userId)
                .containsExactly(user);
        assertThat(audit.list(Optional.empty(), Optional.of("user.login"), 100, 0))
                .extracting(AuditRecord::userId)
                .contains(user, other)
                .doesNotContainNull();
        assertThat(audit.list(Optional.empty(), Optional.of("user.login"), 100, 0))
                .extracting(AuditRecord::eventType)
                .containsOnly("user.login");
    }

    @Test
    void whenEventsShareATimestamp_thenPagesOfOneVisitEachExactlyOnce() {
        UUID user = UUID.randomUUID();
        clock.advance(Duration.ofSeconds(1));
        for (int i = 0; i < 5; i++) audit.record(AuditEvent.success("tie." + i, user), INFO);

        var seen = new ArrayList<UUID>();
        for (int offset = 0; offset < 5; offset++) {
            var page = audit.list(Optional.of(user), Optional.empty(), 1, offset);
            assertThat(page).hasSize(1);
            seen.add(page.getFirst().id());
        }

        assertThat(seen)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(
                        byUser(user).stream().map(AuditRecord::id).toList());
        assertThat(audit.list(Optional.of(user), Optional.empty(), 1, 5)).isEmpty();
    }
}
