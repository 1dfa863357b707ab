package dev.gatehouse.platform.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.Payload;
import com.nimbusds.jose.jwk.JWK;
import dev.gatehouse.platform.config.ConfigException;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.testkit.MutableClock;
import dev.gatehouse.testkit.Race;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestDatabase;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The key ring on a real store (H2 and PostgreSQL), with a clock the test moves. */
@ServerTest
class KeyRingTest {
    private static final Duration PUBLISH_AHEAD = Duration.ofHours(1);
    private static final Duration RETAIN_AFTER = Duration.ofMinutes(75);

    @TempDir
    Path dataDir;

    TestDatabase database;
    Database db;
    MutableClock clock;
    String masterKeyText;
    KeyRing ring;

    @BeforeEach
    void open() {
        database = TestDatabase.create();
        db = Database.open(database.url(), Optional.of(database.user()), Optional.empty(), 2);
        db.migrate();
        clock = new MutableClock(Instant.parse("2030-01-01T00:00:00Z"));
        masterKeyText = Base64.getEncoder().encodeToString(Secrets.system().bytes(32));
        ring = ring(masterKeyText);
    }

    /** The connection pools of the extra nodes a test starts, closed with the test's own. */
    final List<Database> nodePools = new ArrayList<>();

    @AfterEach
    void close() {
        nodePools.forEach(Database::close);
        db.close();
        database.close();
    }

    private KeyRing ring(String masterKey) {
        return ring(masterKey, db);
    }

    /** Another node of the cluster: a ring on its own connection pool to the same database, with the same master key. */
    private KeyRing node() {
        Database pool = Database.open(database.url(), Optional.of(database.user()), Optional.empty(), 2);
        nodePools.add(pool);
        return ring(masterKeyText, pool);
    }

    private KeyRing ring(String masterKey, Database on) {
        return new KeyRing(
                new JdbiSigningKeyStore(on),
                MasterKey.load(Optional.of(masterKey), dataDir, Secrets.system()),
                clock,
                PUBLISH_AHEAD,
                RETAIN_AFTER);
    }

    @ParameterizedTest
    @ValueSource(strings = {"ES256", "RS256", "PS256", "EdDSA"})
    void whenAKeyOfEachAlgorithmIsCreated_thenItSignsAndItsPublishedKeyVerifies(String name) throws Exception {
        JWSAlgorithm alg = JWSAlgorithm.parse(name);
        ring.init(Set.of(alg));
        SigningKey key = ring.signingKey(alg);
        assertThat(key.alg()).isEqualTo(alg);

        var jws = new JWSObject(
                new JWSHeader.Builder(alg).keyID(key.kid()).build(), new Payload(Map.of("sub", "someone")));
        jws.sign(ring.signer(key));
        var parsed = JWSObject.parse(jws.serialize());

        assertThat(parsed.verify(ring.verifier(key.kid(), alg).orElseThrow())).isTrue();
        // An outside verifier that only has the JWKS agrees.
        JWK published = ring.publishedKeys().getKeyByKeyId(key.kid());
        assertThat(published.isPrivate()).isFalse();
        assertThat(parsed.verify(verifierOf(published, alg))).isTrue();
        // A changed payload does not verify.
        var tampered = JWSObject.parse(jws.serialize()
                .replaceFirst("\\.[^.]+\\.", "." + new Payload(Map.of("sub", "admin")).toBase64URL() + "."));
        assertThat(tampered.verify(ring.verifier(key.kid(), alg).orElseThrow())).isFalse();
    }

    @Test
    void whenKeysArePublished_thenNoPrivateMemberAppears() {
        ring.init(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256, JWSAlgorithm.EdDSA));
        var json = ring.publishedKeys().toJSONObject(false);
        @SuppressWarnings("unchecked")
        var keys = (List<Map<String, Object>>) json.get("keys");
        assertThat(keys).hasSize(3);
        for (var k : keys) {
            assertThat(k).doesNotContainKeys("d", "p", "q", "dp", "dq", "qi");
            assertThat(k).containsEntry("use", "sig").containsKey("kid").containsKey("alg");
        }
    }

    @Test
    void whenKeysAreStored_thenThePrivateHalfIsSealedWithTheMasterKey() {
        ring.init(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.EdDSA));
        var rows = new JdbiSigningKeyStore(db).all();
        assertThat(rows).hasSize(2);
        for (var row : rows) {
            assertThat(row.sealedPrivateJwk()).startsWith("v1.").doesNotContain("\"d\"");
            assertThat(row.publicJwk()).doesNotContain("\"d\"");
        }
    }

    @Test
    void whenRotated_thenTheNewKeyIsPublishedAtOnce_signsAfterTheOverlap_andTheOldOneLeavesAfterItsTokens() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        String old = ring.signingKey(JWSAlgorithm.ES256).kid();

        String next = ring.rotate(JWSAlgorithm.ES256, false).kid();
        assertThat(kids()).containsExactlyInAnyOrder(old, next);
        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(old);

        clock.advance(PUBLISH_AHEAD.minusSeconds(1));
        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(old);
        clock.advance(Duration.ofSeconds(1));
        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(next);

        clock.advance(RETAIN_AFTER.minusSeconds(1));
        assertThat(kids()).containsExactlyInAnyOrder(old, next);
        assertThat(ring.verifier(old, JWSAlgorithm.ES256)).isPresent();
        clock.advance(Duration.ofSeconds(1));
        assertThat(kids()).containsExactly(next);
        assertThat(ring.verifier(old, JWSAlgorithm.ES256)).isEmpty();
    }

    /** Two nodes of a cluster: two rings on one store, each with its own view of the keys. */
    @Test
    void whenAnotherNodeRotates_thenThisNodePublishesTheNewKeyWithinTheReloadPeriodLongBeforeItSigns() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        KeyRing other = ring(masterKeyText);
        other.init(Set.of(JWSAlgorithm.ES256));
        String old = ring.signingKey(JWSAlgorithm.ES256).kid();
        assertThat(other.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(old);

        String next = other.rotate(JWSAlgorithm.ES256, false).kid();
        assertThat(kids()).containsExactly(old);
        clock.advance(KeyRing.RELOAD_EVERY);
        assertThat(kids()).containsExactlyInAnyOrder(old, next);
        assertThat(KeyRing.RELOAD_EVERY).isLessThan(PUBLISH_AHEAD);
    }

    @Test
    void whenAnotherNodeCreatesAKeyThatSignsAtOnce_thenAnUnknownKidMakesThisNodeLookAgainAtMostEveryTenSeconds() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        KeyRing other = ring(masterKeyText);
        other.init(Set.of(JWSAlgorithm.ES256));
        // The first PS256 key, made on the other node when its first PS256 token is signed, signs at once.
        String created = other.signingKey(JWSAlgorithm.PS256).kid();
        assertThat(ring.verifier(created, JWSAlgorithm.PS256)).isPresent();
        // Unknown kids (anyone can send one) read the store again at most every UNKNOWN_KID_RELOAD.
        String second = other.rotate(JWSAlgorithm.PS256, true).kid();
        assertThat(ring.verifier(second, JWSAlgorithm.PS256)).isEmpty();
        clock.advance(KeyRing.UNKNOWN_KID_RELOAD);
        assertThat(ring.verifier(second, JWSAlgorithm.PS256)).isPresent();
    }

    private static final int NODES = 4;

    /**
     * Nodes starting together on an empty database all find no key and make one for each algorithm at once (an RSA
     * key takes a while to generate, so they all get past the empty read). One key per algorithm is stored, and every
     * node signs with it and publishes it: otherwise each node would sign with its own key, which the others publish
     * only at their next timed reload.
     */
    @Test
    void whenSeveralNodesStartTogetherOnAnEmptyDatabase_thenOneKeyPerAlgorithmIsStoredAndEveryNodeSignsWithIt() {
        for (int round = 0; round < 3; round++) {
            db.useTransaction(h -> h.execute("DELETE FROM signing_keys"));
            var starting = new ConcurrentLinkedQueue<KeyRing>();
            for (int i = 0; i < NODES; i++) starting.add(node());

            List<KeyRing> nodes = Race.run(NODES, () -> {
                KeyRing node = starting.remove();
                node.init(KeyRing.SUPPORTED);
                return node;
            });

            var stored = new JdbiSigningKeyStore(db).all();
            assertThat(stored)
                    .as("round %d", round)
                    .extracting(SigningKeyStore.Row::alg)
                    .containsExactlyInAnyOrder("ES256", "RS256", "PS256", "EdDSA");
            for (KeyRing node : nodes) {
                for (SigningKeyStore.Row row : stored) {
                    assertThat(node.signingKey(JWSAlgorithm.parse(row.alg())).kid())
                            .as("round %d, %s", round, row.alg())
                            .isEqualTo(row.kid());
                }
                assertThat(node.publishedKeys().getKeys())
                        .extracting(JWK::getKeyID)
                        .containsExactlyInAnyOrderElementsOf(
                                stored.stream().map(SigningKeyStore.Row::kid).toList());
            }
        }
    }

    /** The first token of an algorithm without a key, signed on several nodes at once (its rows deleted by hand). */
    @Test
    void whenSeveralNodesFirstSignWithAnAlgorithmAtOnce_thenOneKeyIsStoredAndEveryNodeSignsWithIt() {
        List<KeyRing> nodes = new ArrayList<>();
        for (int i = 0; i < NODES; i++) nodes.add(node());
        for (KeyRing node : nodes) node.init(Set.of(JWSAlgorithm.ES256));
        var signing = new ConcurrentLinkedQueue<>(nodes);

        List<String> kids = Race.run(
                NODES, () -> signing.remove().signingKey(JWSAlgorithm.PS256).kid());

        var stored = new JdbiSigningKeyStore(db)
                .all().stream().filter(r -> r.alg().equals("PS256")).toList();
        assertThat(stored).hasSize(1);
        assertThat(kids).containsOnly(stored.getFirst().kid());
    }

    /**
     * Keys of the algorithm are stored but none signs now (the active one deleted by hand, its successor not due yet):
     * the ring still makes a key that signs at once, as it did before first keys were created under a lock.
     */
    @Test
    void whenTheOnlyKeyOfAnAlgorithmIsNotYetActive_thenAKeyThatSignsAtOnceIsMade() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        String old = ring.signingKey(JWSAlgorithm.ES256).kid();
        String pending = ring.rotate(JWSAlgorithm.ES256, false).kid();
        database.update("DELETE FROM signing_keys WHERE kid = ?", old);
        clock.advance(KeyRing.RELOAD_EVERY);

        String signing = ring.signingKey(JWSAlgorithm.ES256).kid();

        assertThat(signing).isNotIn(old, pending);
        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(signing);
        assertThat(kids()).containsExactlyInAnyOrder(pending, signing);
    }

    @Test
    void whenRotatedImmediately_thenTheNewKeySignsAtOnceAndTheOldOneStaysPublished() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        String old = ring.signingKey(JWSAlgorithm.ES256).kid();

        String next = ring.rotate(JWSAlgorithm.ES256, true).kid();

        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(next);
        assertThat(kids()).containsExactlyInAnyOrder(old, next);
        clock.advance(RETAIN_AFTER);
        assertThat(kids()).containsExactly(next);
    }

    @Test
    void whenRotatingOneAlgorithm_thenOtherAlgorithmsKeepTheirKeys() {
        ring.init(Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256));
        String rsa = ring.signingKey(JWSAlgorithm.RS256).kid();
        ring.rotate(JWSAlgorithm.ES256, true);
        clock.advance(PUBLISH_AHEAD.plus(RETAIN_AFTER).plusSeconds(1));
        assertThat(ring.signingKey(JWSAlgorithm.RS256).kid()).isEqualTo(rsa);
        assertThat(kids()).contains(rsa);
    }

    @Test
    void whenReopenedWithTheSameMasterKey_thenTheSameKeysSign() throws Exception {
        ring.init(Set.of(JWSAlgorithm.ES256));
        SigningKey before = ring.signingKey(JWSAlgorithm.ES256);
        var jws = new JWSObject(
                new JWSHeader.Builder(JWSAlgorithm.ES256).keyID(before.kid()).build(), new Payload("x"));
        jws.sign(ring.signer(before));

        KeyRing reopened = ring(masterKeyText);
        reopened.init(Set.of(JWSAlgorithm.ES256));

        assertThat(reopened.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(before.kid());
        assertThat(JWSObject.parse(jws.serialize())
                        .verify(reopened.verifier(before.kid(), JWSAlgorithm.ES256)
                                .orElseThrow()))
                .isTrue();
    }

    @Test
    void whenReopenedWithAnotherMasterKey_thenAConfigErrorNamesTheVariable() {
        ring.init(Set.of(JWSAlgorithm.ES256));
        KeyRing wrong = ring(Base64.getEncoder().encodeToString(Secrets.system().bytes(32)));

        assertThatThrownBy(() -> wrong.init(Set.of(JWSAlgorithm.ES256)))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("GATEHOUSE_MASTER_KEY: ");
    }

    /** The real store, which fails every call while {@code down} is set, as with the database out of reach. */
    static final class Outage implements SigningKeyStore {
        final SigningKeyStore store;
        volatile boolean down;
        /** Calls to the store, failed or not. */
        final java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();

        Outage(SigningKeyStore store) {
            this.store = store;
        }

        private void check() {
            calls.incrementAndGet();
            if (down) throw new IllegalStateException("connection refused (test outage)");
        }

        @Override
        public List<Row> all() {
            check();
            return store.all();
        }

        @Override
        public void insert(Row row) {
            check();
            store.insert(row);
        }

        @Override
        public boolean insertFirst(Row row) {
            check();
            return store.insertFirst(row);
        }

        @Override
        public void rotate(
                Row successor, Instant othersLeaveAt, java.util.function.Consumer<org.jdbi.v3.core.Handle> also) {
            check();
            store.rotate(successor, othersLeaveAt, also);
        }

        @Override
        public void deleteExpired(Instant now) {
            check();
            store.deleteExpired(now);
        }
    }

    @Test
    void whenTheDatabaseIsOutOfReach_thenTheKeysInMemorySignAndVerifyOnScheduleAndItIsTriedAgainLater()
            throws Exception {
        var outage = new Outage(new JdbiSigningKeyStore(db));
        ring = new KeyRing(
                outage,
                MasterKey.load(Optional.of(masterKeyText), dataDir, Secrets.system()),
                clock,
                PUBLISH_AHEAD,
                RETAIN_AFTER);
        ring.init(Set.of(JWSAlgorithm.ES256));
        String old = ring.signingKey(JWSAlgorithm.ES256).kid();
        String next = ring.rotate(JWSAlgorithm.ES256, false).kid();

        outage.down = true;
        clock.advance(KeyRing.RELOAD_EVERY);
        int calls = outage.calls.get();
        for (int i = 0; i < 50; i++) {
            assertThat(kids()).containsExactlyInAnyOrder(old, next);
            assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(old);
            assertThat(ring.verifier(old, JWSAlgorithm.ES256)).isPresent();
            assertThat(ring.verifier("unknown-kid", JWSAlgorithm.ES256)).isEmpty();
        }
        // One reload failed, one look for the unknown kid failed; nothing more until the retry.
        assertThat(outage.calls.get() - calls).isEqualTo(2);

        // The rotation's schedule holds without the database: the successor signs, then the old key leaves the JWKS.
        clock.advance(PUBLISH_AHEAD);
        assertThat(ring.signingKey(JWSAlgorithm.ES256).kid()).isEqualTo(next);
        clock.advance(RETAIN_AFTER);
        assertThat(kids()).containsExactly(next);
        assertThat(ring.verifier(old, JWSAlgorithm.ES256)).isEmpty();

        // Back: a key another node made meanwhile shows up within the retry period.
        outage.down = false;
        KeyRing other = ring(masterKeyText);
        other.init(Set.of(JWSAlgorithm.ES256));
        String third = other.rotate(JWSAlgorithm.ES256, false).kid();
        clock.advance(KeyRing.RETRY_AFTER_FAILURE);
        assertThat(kids()).containsExactlyInAnyOrder(next, third);
    }

    private List<String> kids() {
        return ring.publishedKeys().getKeys().stream().map(JWK::getKeyID).toList();
    }

    private static com.nimbusds.jose.JWSVerifier verifierOf(JWK jwk, JWSAlgorithm alg) throws Exception {
        if (jwk instanceof com.nimbusds.jose.jwk.OctetKeyPair okp) {
            return new com.nimbusds.jose.crypto.Ed25519Verifier(okp);
        }
        java.security.Key key = jwk instanceof com.nimbusds.jose.jwk.ECKey ec
                ? ec.toECPublicKey()
                : jwk.toRSAKey().toRSAPublicKey();
        return new com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory()
                .createJWSVerifier(new JWSHeader(alg), key);
    }
}
