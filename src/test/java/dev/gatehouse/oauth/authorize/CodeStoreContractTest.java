package dev.gatehouse.oauth.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MigratedDatabase;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The {@link JdbiCodeStore} contract, on the engine under test. */
@ServerTest
class CodeStoreContractTest {
    static final Instant T0 = Instant.parse("2030-01-02T03:04:05.123456Z");
    static final AtomicInteger hashes = new AtomicInteger();

    static MigratedDatabase database;
    static Database db;
    final JdbiCodeStore store = new JdbiCodeStore();

    @BeforeAll
    static void open() {
        database = MigratedDatabase.create();
        db = database.db();
    }

    @AfterAll
    static void close() {
        database.close();
    }

    static String newHash() {
        return "%064x".formatted(hashes.incrementAndGet());
    }

    AuthorizationCode code(UUID user, Instant expiresAt) {
        return new AuthorizationCode(
                "client-1",
                user,
                "https://app.example/cb",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                new LinkedHashSet<>(List.of("openid", "email", "offline_access")),
                List.of("https://api.example", "https://other.example"),
                Optional.of("n-0S6_WzA2Mj"),
                T0.minusSeconds(30),
                expiresAt,
                Optional.empty(),
                Optional.empty());
    }

    String insert(AuthorizationCode c) {
        String hash = newHash();
        db.useTransaction(h -> store.insert(h, hash, c, Optional.empty(), T0));
        return hash;
    }

    Optional<AuthorizationCode> byHash(String hash) {
        return db.withHandle(h -> store.byHash(h, hash));
    }

    /** A sessions row by plain SQL (the sessions store belongs to its own package). */
    UUID session(UUID user, Instant expiresAt, Instant endedAt) {
        UUID id = UUID.randomUUID();
        db.useTransaction(h -> h.createUpdate("INSERT INTO sessions (id, user_id, device_id, client_id, auth_method,"
                        + " ip, user_agent, created_at, last_used_at, expires_at, ended_at)"
                        + " VALUES (:id, :u, 'd', 'client-1', 'pwd', '203.0.113.7', 'UA', :t, :t, :exp, :ended)")
                .bind("id", id)
                .bind("u", user)
                .bind("t", T0)
                .bind("exp", expiresAt)
                .bind("ended", endedAt)
                .execute());
        return id;
    }

    @Test
    void whenInserted_thenByHashReturnsEveryFieldUnchanged() {
        var c = code(database.insertUser("c" + UUID.randomUUID() + "@example.com"), T0.plusSeconds(60));
        String hash = insert(c);

        assertThat(byHash(hash)).contains(c);
    }

    @Test
    void whenBoundToADpopKey_thenItsThumbprintComesBack() {
        var c = code(database.insertUser("c" + UUID.randomUUID() + "@example.com"), T0.plusSeconds(60));
        var bound = new AuthorizationCode(
                c.clientId(),
                c.userId(),
                c.redirectUri(),
                c.redirectUriNamed(),
                c.codeChallenge(),
                c.scope(),
                c.resources(),
                c.nonce(),
                c.authTime(),
                c.expiresAt(),
                c.usedAt(),
                c.sessionId(),
                c.amr(),
                Optional.of("0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I"));
        String hash = insert(bound);

        assertThat(byHash(hash)).contains(bound);
        assertThat(byHash(insert(c)).orElseThrow().dpopJkt()).isEmpty();
    }

    @Test
    void whenNoNonceNoResourceNoScopeAndNoNamedRedirect_thenEmptiesComeBack() {
        UUID user = database.insertUser("c" + UUID.randomUUID() + "@example.com");
        var c = new AuthorizationCode(
                "client-1",
                user,
                "https://app.example/cb",
                false,
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                Set.of(),
                List.of(),
                Optional.empty(),
                T0,
                T0.plusSeconds(60),
                Optional.empty(),
                Optional.empty(),
                List.of("pwd"),
                Optional.empty());

        assertThat(byHash(insert(c))).contains(c);
    }

    @Test
    void whenIssuedInAnSsoSession_thenItsRedeemedCodesNameTheParticipants_andLogoutSpendsTheUnused() {
        UUID user = database.insertUser("c" + UUID.randomUUID() + "@example.com");
        UUID sso = UUID.randomUUID();
        String redeemed = newHash();
        String online = newHash();
        String pending = newHash();
        String elsewhere = newHash();
        UUID sid = session(user, T0.plusSeconds(3600), null);
        UUID onlineSid = session(user, T0.plusSeconds(3600), null);
        var withoutOffline = new AuthorizationCode(
                "client-2",
                user,
                "https://app.example/cb",
                "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
                new LinkedHashSet<>(List.of("openid", "email")),
                List.of(),
                Optional.empty(),
                T0.minusSeconds(30),
                T0.plusSeconds(60),
                Optional.empty(),
                Optional.empty());
        db.useTransaction(h -> {
            store.insert(h, redeemed, code(user, T0.plusSeconds(60)), Optional.of(sso), T0);
            store.insert(h, online, withoutOffline, Optional.of(sso), T0);
            store.insert(h, pending, code(user, T0.plusSeconds(60)), Optional.of(sso), T0);
            store.insert(h, elsewhere, code(user, T0.plusSeconds(60)), Optional.empty(), T0);
            store.claim(h, redeemed, T0);
            store.linkSession(h, redeemed, sid);
            store.claim(h, online, T0);
            store.linkSession(h, online, onlineSid);
        });

        // offline_access in the grant: the session outlives the browser's sign-in.
        assertThat(db.<List<CodeRedemption.Participant>>withHandle(h -> store.participants(h, sso)))
                .containsExactly(
                        new CodeRedemption.Participant("client-1", sid, true),
                        new CodeRedemption.Participant("client-2", onlineSid, false));
        db.useTransaction(h -> store.spendUnused(h, sso, T0.plusSeconds(1)));
        assertThat(byHash(pending).orElseThrow().usedAt()).contains(T0.plusSeconds(1));
        assertThat(byHash(elsewhere).orElseThrow().usedAt()).isEmpty();
        assertThat(byHash(redeemed).orElseThrow().usedAt()).contains(T0);
    }

    @Test
    void whenUnknown_thenEmpty() {
        assertThat(byHash("0".repeat(64))).isEmpty();
        assertThat(db.<Optional<AuthorizationCode>>withHandle(h -> store.bySession(h, UUID.randomUUID())))
                .isEmpty();
    }

    @Test
    void whenClaimedTwice_thenTheCodeComesBackOnce_andUsedAtIsRecorded() {
        var c = code(database.insertUser("c" + UUID.randomUUID() + "@example.com"), T0.plusSeconds(60));
        String hash = insert(c);

        var first = db.<Optional<AuthorizationCode>>inTransaction(h -> store.claim(h, hash, T0.plusSeconds(1)));
        // every field as stored, marked used
        assertThat(first).hasValueSatisfying(claimed -> {
            assertThat(claimed.usedAt()).contains(T0.plusSeconds(1));
            assertThat(claimed)
                    .usingRecursiveComparison()
                    .ignoringFields("usedAt")
                    .isEqualTo(c);
        });
        assertThat(db.<Optional<AuthorizationCode>>inTransaction(h -> store.claim(h, hash, T0.plusSeconds(2))))
                .isEmpty();
        assertThat(byHash(hash).orElseThrow().usedAt()).contains(T0.plusSeconds(1));
        assertThat(db.<Optional<AuthorizationCode>>inTransaction(h -> store.claim(h, "1".repeat(64), T0)))
                .isEmpty();
    }

    @Test
    void whenManyClaimAtOnce_thenExactlyOneWins() {
        var c = code(database.insertUser("c" + UUID.randomUUID() + "@example.com"), T0.plusSeconds(60));
        String hash = insert(c);

        List<Boolean> outcomes = Race.run(
                8,
                () -> db.inTransaction(
                        h -> store.claim(h, hash, T0.plusSeconds(1)).isPresent()));

        assertThat(outcomes).containsOnlyOnce(true);
    }

    @Test
    void whenLinkedToSession_thenFoundBySession() {
        UUID user = database.insertUser("c" + UUID.randomUUID() + "@example.com");
        String hash = insert(code(user, T0.plusSeconds(60)));
        UUID sid = session(user, T0.plus(Duration.ofDays(30)), null);

        db.useTransaction(h -> store.linkSession(h, hash, sid));

        var found = db.withHandle(h -> store.bySession(h, sid)).orElseThrow();
        assertThat(found.sessionId()).contains(sid);
        assertThat(found).isEqualTo(byHash(hash).orElseThrow());
    }

    @Test
    void whenDeletingExpired_thenOnlyCodesPastTheirWindowWithoutALiveSessionGo() {
        UUID user = database.insertUser("c" + UUID.randomUUID() + "@example.com");
        Instant now = T0.plus(Duration.ofHours(1));
        String unexpired = insert(code(user, now.plusSeconds(10)));
        String expiredUnlinked = insert(code(user, T0.plusSeconds(60)));
        String expiredLive = insert(code(user, T0.plusSeconds(60)));
        String expiredEnded = insert(code(user, T0.plusSeconds(60)));
        String expiredSessionExpired = insert(code(user, T0.plusSeconds(60)));
        String expiredSessionGone = insert(code(user, T0.plusSeconds(60)));
        db.useTransaction(h -> {
            store.linkSession(h, expiredLive, session(user, now.plus(Duration.ofDays(1)), null));
            store.linkSession(h, expiredEnded, session(user, now.plus(Duration.ofDays(1)), now.minusSeconds(5)));
            store.linkSession(h, expiredSessionExpired, session(user, now.minusSeconds(1), null));
            store.linkSession(h, expiredSessionGone, UUID.randomUUID());
        });

        int deleted = db.inTransaction(h -> store.deleteExpired(h, now));

        assertThat(deleted).isGreaterThanOrEqualTo(4);
        assertThat(byHash(unexpired)).isPresent();
        assertThat(byHash(expiredLive)).isPresent();
        assertThat(byHash(expiredUnlinked)).isEmpty();
        assertThat(byHash(expiredEnded)).isEmpty();
        assertThat(byHash(expiredSessionExpired)).isEmpty();
        assertThat(byHash(expiredSessionGone)).isEmpty();
    }
}
