package dev.gatehouse.sessions;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.sessions.SessionStore.Claim;
import dev.gatehouse.sessions.SessionStore.ClaimResult;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link SessionStore} contract, on the engine under test (convention 7). */
@ServerTest
class SessionStoreContractTest {
    /** Microsecond precision on purpose: both engines keep microseconds, so stored times must come back exact. */
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");

    static final Duration TTL = Duration.ofDays(30);
    static final AtomicInteger tokens = new AtomicInteger();

    static MigratedDatabase database;
    static Database db;
    final SessionStore store = new JdbiSessionStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    UUID newUser() {
        return database.insertUser("u" + UUID.randomUUID() + "@example.com");
    }

    /** A session created at {@code created} and last used then. */
    Session session(UUID userId, Instant created) {
        var s = new Session(
                UUID.randomUUID(),
                userId,
                "device-1",
                "gatehouse",
                "password",
                "203.0.113.7",
                "Mozilla/5.0",
                created,
                created,
                created.plus(TTL),
                null,
                null);
        db.useTransaction(h -> store.insert(h, s));
        return s;
    }

    /** A refresh-token hash on the session, valid for {@code ttl} from T0. */
    String refreshToken(UUID sessionId, Duration ttl) {
        String hash = "%064x".formatted(tokens.incrementAndGet());
        db.useTransaction(h -> store.addRefreshToken(h, hash, sessionId, T0, T0.plus(ttl)));
        return hash;
    }

    ClaimResult claim(String hash, Instant now) {
        return db.inTransaction(h -> store.claimRefreshToken(h, hash, now));
    }

    Optional<Session> byId(UUID id) {
        return db.withHandle(h -> store.byId(h, id));
    }

    boolean end(UUID sessionId, Instant at, String reason) {
        return db.inTransaction(h -> store.end(h, sessionId, at, reason));
    }

    List<Session> listActive(UUID userId, Instant now, int limit, int offset) {
        return db.withHandle(h -> store.listActive(h, userId, now, limit, offset));
    }

    List<Session> listAll(UUID userId, int limit, int offset) {
        return db.withHandle(h -> store.listAll(h, userId, limit, offset));
    }

    List<UUID> ids(List<Session> sessions) {
        return sessions.stream().map(Session::id).toList();
    }

    @Test
    void whenSessionIsMissing_thenByIdIsEmpty() {
        assertThat(byId(UUID.randomUUID())).isEmpty();
    }

    @Test
    void whenInserted_thenByIdReturnsEveryFieldUnchanged() {
        var s = session(newUser(), T0);

        assertThat(byId(s.id())).contains(s);
    }

    @Test
    void whenRefreshTokenIsClaimedTwice_thenClaimedThenAlreadyUsed() {
        var s = session(newUser(), T0);
        String hash = refreshToken(s.id(), Duration.ofHours(1));

        assertThat(owner(hash)).contains(new SessionStore.RefreshTokenOwner(s.id(), false));
        assertThat(claim(hash, T0.plusSeconds(1))).isEqualTo(new ClaimResult(Claim.CLAIMED, s.id()));
        assertThat(owner(hash)).contains(new SessionStore.RefreshTokenOwner(s.id(), true));
        assertThat(claim(hash, T0.plusSeconds(2))).isEqualTo(new ClaimResult(Claim.ALREADY_USED, s.id()));
    }

    Optional<SessionStore.RefreshTokenOwner> owner(String hash) {
        return db.withHandle(h -> store.sessionOfRefreshToken(h, hash));
    }

    @Test
    void whenRefreshTokenHasExpired_thenExpiredAndStillUnused() {
        var s = session(newUser(), T0);
        String hash = refreshToken(s.id(), Duration.ofHours(1));
        Instant expiry = T0.plus(Duration.ofHours(1));

        // Expiry is exclusive: at the expiry instant the token is already dead.
        assertThat(claim(hash, expiry)).isEqualTo(new ClaimResult(Claim.EXPIRED, s.id()));
        assertThat(claim(hash, expiry.plusSeconds(1))).isEqualTo(new ClaimResult(Claim.EXPIRED, s.id()));
    }

    @Test
    void whenRefreshTokenIsClaimedOneMicrosecondBeforeExpiry_thenClaimed() {
        var s = session(newUser(), T0);
        String hash = refreshToken(s.id(), Duration.ofHours(1));

        assertThat(claim(hash, T0.plus(Duration.ofHours(1)).minusNanos(1_000)).claim())
                .isEqualTo(Claim.CLAIMED);
    }

    Optional<SessionStore.LiveRefreshToken> live(String hash, Instant at) {
        return db.withHandle(h -> store.liveRefreshToken(h, hash, at));
    }

    @Test
    void whenARefreshTokenIsLive_thenItIsFoundUntilUsedExpiredOrItsSessionEnds() {
        var s = session(newUser(), T0);
        String hash = refreshToken(s.id(), Duration.ofHours(1));

        assertThat(live(hash, T0.plusSeconds(1)))
                .contains(new SessionStore.LiveRefreshToken(s, T0, T0.plus(Duration.ofHours(1))));
        assertThat(live(hash, T0.plus(Duration.ofHours(1)))).as("expired").isEmpty();
        assertThat(live("f".repeat(64), T0)).as("unknown").isEmpty();

        String used = refreshToken(s.id(), Duration.ofHours(1));
        claim(used, T0.plusSeconds(1));
        assertThat(live(used, T0.plusSeconds(2))).as("used").isEmpty();

        end(s.id(), T0.plusSeconds(3), "logout");
        assertThat(live(hash, T0.plusSeconds(4))).as("session ended").isEmpty();

        UUID disabled = newUser();
        String other = refreshToken(session(disabled, T0).id(), Duration.ofHours(1));
        assertThat(live(other, T0.plusSeconds(1))).isPresent();
        db.useTransaction(h -> h.execute("UPDATE users SET status = 'disabled' WHERE id = ?", disabled));
        assertThat(live(other, T0.plusSeconds(1))).as("account disabled").isEmpty();
    }

    @Test
    void whenRefreshTokenIsUnknown_thenUnknownWithoutSession() {
        assertThat(claim("f".repeat(64), T0)).isEqualTo(new ClaimResult(Claim.UNKNOWN, null));
    }

    @Test
    void whenManyClaimTheSameTokenAtOnce_thenExactlyOneWins() {
        var s = session(newUser(), T0);
        String hash = refreshToken(s.id(), Duration.ofHours(1));

        List<Claim> outcomes = Race.run(8, () -> claim(hash, T0.plusSeconds(1)).claim());

        assertThat(outcomes).containsOnlyOnce(Claim.CLAIMED);
        assertThat(outcomes).filteredOn(c -> c != Claim.CLAIMED).containsOnly(Claim.ALREADY_USED);
    }

    @Test
    void whenTouched_thenOnlyLastUsedChanges() {
        var s = session(newUser(), T0);
        Instant later = T0.plus(Duration.ofMinutes(3));

        db.useTransaction(h -> store.touch(h, s.id(), later));

        assertThat(byId(s.id()))
                .contains(new Session(
                        s.id(),
                        s.userId(),
                        s.deviceId(),
                        s.clientId(),
                        s.authMethod(),
                        s.ip(),
                        s.userAgent(),
                        s.createdAt(),
                        later,
                        s.expiresAt(),
                        null,
                        null));
    }

    @Test
    void whenEndedTwice_thenTrueOnceAndFirstReasonKept() {
        var s = session(newUser(), T0);
        Instant at = T0.plusSeconds(10);

        assertThat(end(s.id(), at, "logout")).isTrue();
        assertThat(end(s.id(), at.plusSeconds(1), "revoked")).isFalse();

        var ended = byId(s.id()).orElseThrow();
        assertThat(ended.endedAt()).isEqualTo(at);
        assertThat(ended.endReason()).isEqualTo("logout");
        assertThat(ended.activeAt(at)).isFalse();
    }

    @Test
    void whenEndingUnknownSession_thenFalse() {
        assertThat(end(UUID.randomUUID(), T0, "logout")).isFalse();
    }

    @Test
    void whenEndingAllForUser_thenKeptSessionOthersUsersAndAlreadyEndedAreLeftAlone() {
        UUID user = newUser();
        UUID stranger = newUser();
        var keep = session(user, T0);
        var a = session(user, T0.plusSeconds(1));
        var b = session(user, T0.plusSeconds(2));
        var alreadyEnded = session(user, T0.plusSeconds(3));
        var theirs = session(stranger, T0);
        end(alreadyEnded.id(), T0.plusSeconds(4), "logout");
        Instant at = T0.plusSeconds(5);

        List<UUID> ended = db
                .inTransaction(h -> store.endAllForUser(h, user, Optional.of(keep.id()), at, "password_changed"))
                .stream()
                .map(EndedSession::id)
                .toList();

        assertThat(ended).containsExactlyInAnyOrder(a.id(), b.id());
        assertThat(byId(a.id()).orElseThrow().endReason()).isEqualTo("password_changed");
        assertThat(byId(b.id()).orElseThrow().endedAt()).isEqualTo(at);
        assertThat(byId(keep.id()).orElseThrow().endedAt()).isNull();
        assertThat(byId(alreadyEnded.id()).orElseThrow().endReason()).isEqualTo("logout");
        assertThat(byId(theirs.id()).orElseThrow().endedAt()).isNull();
    }

    @Test
    void whenEndingAllForUserWithoutKeep_thenEveryOpenSessionEndsAndItsClientIsReturned() {
        UUID user = newUser();
        var a = session(user, T0);
        var b = sessionFor(user, "client-b");

        List<EndedSession> ended =
                db.inTransaction(h -> store.endAllForUser(h, user, Optional.empty(), T0.plusSeconds(2), "revoke_all"));

        assertThat(ended)
                .containsExactlyInAnyOrder(new EndedSession(a.id(), "gatehouse"), new EndedSession(b.id(), "client-b"));
        assertThat(listActive(user, T0.plusSeconds(2), 10, 0)).isEmpty();
    }

    @Test
    void whenListingActive_thenEndedAndExpiredAreLeftOutAndMostRecentlyUsedComesFirst() {
        UUID user = newUser();
        var older = session(user, T0);
        var newer = session(user, T0.plusSeconds(1));
        var ended = session(user, T0.plusSeconds(2));
        var expired = session(user, T0.minus(TTL)); // expired at T0, an hour before "now" below
        session(newUser(), T0); // another user's session never shows
        end(ended.id(), T0.plusSeconds(3), "logout");
        db.useTransaction(h -> store.touch(h, older.id(), T0.plusSeconds(10)));
        Instant now = T0.plus(Duration.ofHours(1));

        var active = listActive(user, now, 10, 0);

        assertThat(ids(active)).containsExactly(older.id(), newer.id());
        assertThat(expired.expiresAt()).isBefore(now);
    }

    @Test
    void whenListingActiveWithLimitAndOffset_thenPagesFollowTheSameOrder() {
        UUID user = newUser();
        var s1 = session(user, T0);
        var s2 = session(user, T0.plusSeconds(1));
        var s3 = session(user, T0.plusSeconds(2));

        var first = listActive(user, T0.plusSeconds(3), 2, 0);
        var second = listActive(user, T0.plusSeconds(3), 2, 2);

        assertThat(ids(first)).containsExactly(s3.id(), s2.id());
        assertThat(ids(second)).containsExactly(s1.id());
    }

    @Test
    void whenListingAll_thenEndedAndExpiredAreIncludedNewestFirst() {
        UUID user = newUser();
        var expired = session(user, T0.minus(TTL).minusSeconds(1));
        var ended = session(user, T0);
        var open = session(user, T0.plusSeconds(1));
        session(newUser(), T0.plusSeconds(2));
        end(ended.id(), T0.plusSeconds(2), "logout");

        var all = listAll(user, 10, 0);
        var page = listAll(user, 1, 1);

        assertThat(ids(all)).containsExactly(open.id(), ended.id(), expired.id());
        assertThat(ids(page)).containsExactly(ended.id());
    }

    Session sessionFor(UUID userId, String clientId) {
        var s = new Session(
                UUID.randomUUID(),
                userId,
                "device-1",
                clientId,
                "pwd",
                "203.0.113.7",
                "Mozilla/5.0",
                T0,
                T0,
                T0.plus(TTL),
                null,
                null);
        db.useTransaction(h -> store.insert(h, s));
        return s;
    }

    @Test
    void whenEndingAllForClient_thenOnlyThatUsersOpenSessionsWithThatClientEnd() {
        UUID user = newUser();
        UUID other = newUser();
        var a = sessionFor(user, "client-a");
        var a2 = sessionFor(user, "client-a");
        var b = sessionFor(user, "client-b");
        var otherA = sessionFor(other, "client-a");
        end(a2.id(), T0.plusSeconds(1), "logout");

        List<UUID> ended =
                db.inTransaction(h -> store.endAllForClient(h, user, "client-a", T0.plusSeconds(5), "consent_revoked"));

        assertThat(ended).containsExactly(a.id());
        assertThat(byId(a.id()).orElseThrow().endReason()).isEqualTo("consent_revoked");
        assertThat(byId(a2.id()).orElseThrow().endReason()).isEqualTo("logout");
        assertThat(byId(b.id()).orElseThrow().endedAt()).isNull();
        assertThat(byId(otherA.id()).orElseThrow().endedAt()).isNull();
    }

    @Test
    void whenEndingAllOfAClient_thenEveryUsersOpenSessionsWithItEnd_andNoOthers() {
        String gone = "client-gone-" + UUID.randomUUID();
        String kept = "client-kept-" + UUID.randomUUID();
        UUID user = newUser();
        UUID other = newUser();
        var a = sessionFor(user, gone);
        var otherA = sessionFor(other, gone);
        var ended = sessionFor(user, gone);
        var b = sessionFor(user, kept);
        end(ended.id(), T0.plusSeconds(1), "logout");

        List<UUID> now = db.inTransaction(h -> store.endAllOfClient(h, gone, T0.plusSeconds(5), "client_deleted"));

        assertThat(now).containsExactlyInAnyOrder(a.id(), otherA.id());
        assertThat(byId(a.id()).orElseThrow().endReason()).isEqualTo("client_deleted");
        assertThat(byId(otherA.id()).orElseThrow().endReason()).isEqualTo("client_deleted");
        assertThat(byId(ended.id()).orElseThrow().endReason()).isEqualTo("logout");
        assertThat(byId(b.id()).orElseThrow().endedAt()).isNull();
    }

    @Test
    void whenDeletingExpiredRefreshTokens_thenOnlyThoseExpiredBeforeNowGo() {
        var s = session(newUser(), T0);
        String expired = refreshToken(s.id(), Duration.ofHours(1));
        String atNow = refreshToken(s.id(), Duration.ofHours(2));
        String live = refreshToken(s.id(), Duration.ofHours(3));
        Instant now = T0.plus(Duration.ofHours(2));

        int deleted = db.inTransaction(h -> store.deleteExpiredRefreshTokens(h, now));

        assertThat(deleted).isGreaterThanOrEqualTo(1);
        assertThat(owner(expired)).isEmpty();
        assertThat(owner(atNow)).contains(new SessionStore.RefreshTokenOwner(s.id(), false));
        assertThat(claim(live, now).claim()).isEqualTo(Claim.CLAIMED);
    }
}
