package dev.gatehouse.platform.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSSigner;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import dev.gatehouse.platform.crypto.MasterKey;
import dev.gatehouse.platform.db.ClusterEvents;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The signing keys: created on first use, private halves sealed with the master key, rotated with overlap. A new key is
 * published {@code publishAhead} before it signs; a replaced key stays published {@code retainAfter} (the longest
 * lifetime of anything it signed) past its replacement's activation.
 */
public final class KeyRing {
    public static final Set<JWSAlgorithm> SUPPORTED =
            Set.of(JWSAlgorithm.ES256, JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.EdDSA);

    private final SigningKeyStore store;
    private final SealedKeys sealed;
    private final Clock clock;
    private final Duration publishAhead;
    private final Duration retainAfter;
    private volatile List<SigningKey> keys = List.of();
    private final Map<String, JWSSigner> signers = new ConcurrentHashMap<>();
    private final Map<String, JWSVerifier> verifiers = new ConcurrentHashMap<>();
    private volatile JWKSet published = new JWKSet();
    private volatile Instant nextChange = Instant.MAX;
    private volatile Instant unknownKidReloadAt = Instant.MIN;

    /**
     * How often the keys are read again in any case: another node of the cluster may have created or rotated one. A
     * rotated key is published {@code publishAhead} (an hour) before it signs, so every node has it by then.
     */
    static final Duration RELOAD_EVERY = Duration.ofMinutes(5);

    /**
     * The least time between two reloads for a token whose kid this node does not know: a key another node has just
     * created signs at once (a first key of an algorithm), and such tokens come from outside, so they may not make a
     * database read each.
     */
    static final Duration UNKNOWN_KID_RELOAD = Duration.ofSeconds(10);

    /** How soon a reload that failed (the database out of reach) is tried again; the keys in memory serve meanwhile. */
    static final Duration RETRY_AFTER_FAILURE = Duration.ofSeconds(30);

    private static final Logger log = LoggerFactory.getLogger(KeyRing.class);
    private final AtomicBoolean refreshing = new AtomicBoolean();
    /** Tells the other nodes of a cluster about a key created here; none until {@link #shareChanges}. */
    private volatile ClusterEvents events;

    private static final String TOPIC = "signing_key_created";

    public KeyRing(
            SigningKeyStore store, MasterKey masterKey, Clock clock, Duration publishAhead, Duration retainAfter) {
        this.store = store;
        this.sealed = new SealedKeys(masterKey);
        this.clock = clock;
        this.publishAhead = publishAhead;
        this.retainAfter = retainAfter;
    }

    /**
     * Loads the keys and creates a first, immediately active key for each algorithm that has none. Nodes starting
     * together on an empty database each try; the store keeps one key per algorithm, and the reload at the end reads
     * the ones other nodes stored.
     */
    public synchronized void init(Set<JWSAlgorithm> algs) {
        reload();
        for (JWSAlgorithm alg : algs) {
            if (keys.stream().noneMatch(k -> k.alg().equals(alg))) createFirst(alg, clock.instant());
        }
        reload();
    }

    /** Re-reads keys from the database (after a rotation on another node, or when a scheduled change is due). */
    public synchronized void reload() {
        Instant now = clock.instant();
        store.deleteExpired(now.minus(Duration.ofMinutes(1)));
        keys = store.all().stream().map(sealed::open).toList();
        schedule(now, now.plus(RELOAD_EVERY));
    }

    /**
     * Publishes the keys in memory as of {@code now}, and sets the next time to look again: the next activation or
     * removal among them, or {@code latest}, whichever comes first.
     */
    private void schedule(Instant now, Instant latest) {
        Instant next = latest;
        for (SigningKey k : keys) {
            if (k.activatesAt().isAfter(now) && k.activatesAt().isBefore(next)) next = k.activatesAt();
            if (k.expiresAt().isPresent()
                    && k.expiresAt().get().isAfter(now)
                    && k.expiresAt().get().isBefore(next)) {
                next = k.expiresAt().get();
            }
        }
        nextChange = next;
        published = new JWKSet(keys.stream()
                .filter(k -> k.publishedAt(now))
                .map(k -> k.jwk().toPublicJWK())
                .toList());
    }

    /**
     * Reloads when due. One caller reloads; the others that find it due meanwhile go on with the keys in memory rather
     * than wait for the database.
     */
    private void refreshIfDue() {
        if (clock.instant().isBefore(nextChange) || !refreshing.compareAndSet(false, true)) return;
        try {
            refresh();
        } finally {
            refreshing.set(false);
        }
    }

    /**
     * A reload that cannot fail the request that found it due: with the database out of reach, the keys in memory go
     * on signing and verifying, their scheduled activations and removals still happen on time, and the database is
     * tried again after {@link #RETRY_AFTER_FAILURE}.
     */
    private synchronized void refresh() {
        Instant now = clock.instant();
        if (now.isBefore(nextChange)) return;
        try {
            reload();
        } catch (RuntimeException e) {
            log.warn(
                    "cannot read the signing keys ({}); the {} keys in memory serve, trying again in {} s",
                    e.toString(),
                    keys.size(),
                    RETRY_AFTER_FAILURE.toSeconds());
            schedule(now, now.plus(RETRY_AFTER_FAILURE));
        }
    }

    /** The key that signs now for {@code alg}: the newest one already active. Creates one if the algorithm has none. */
    public SigningKey signingKey(JWSAlgorithm alg) {
        refreshIfDue();
        Instant now = clock.instant();
        Optional<SigningKey> active = active(alg, now);
        if (active.isPresent()) return active.get();
        synchronized (this) {
            Optional<SigningKey> created = createFirst(alg, now);
            reload();
            if (created.isEmpty()) {
                // Another node (or thread) stored the first key meanwhile; it signs. If keys of the algorithm exist
                // but none signs now (rows changed by hand), this node makes one as before.
                active = active(alg, now);
                if (active.isPresent()) return active.get();
                created = Optional.of(create(alg, now));
                reload();
            }
            announce(created.get());
            return created.get();
        }
    }

    private Optional<SigningKey> active(JWSAlgorithm alg, Instant now) {
        // A key being replaced signs until its successor activates; on a tie (an immediate rotation within the same
        // clock tick) the successor, which has no removal scheduled, wins.
        return keys.stream()
                .filter(k -> k.alg().equals(alg) && !k.activatesAt().isAfter(now) && k.publishedAt(now))
                .max(Comparator.comparing(SigningKey::activatesAt)
                        .thenComparing(k -> k.expiresAt().isEmpty()));
    }

    public JWSSigner signer(SigningKey key) {
        return signers.computeIfAbsent(key.kid(), kid -> {
            try {
                return new DefaultJWSSignerFactory().createJWSSigner(key.jwk(), key.alg());
            } catch (JOSEException e) {
                throw new IllegalStateException("cannot sign with key " + kid, e);
            }
        });
    }

    private Optional<SigningKey> published(String kid, JWSAlgorithm alg, Instant now) {
        return keys.stream()
                .filter(k -> k.kid().equals(kid) && k.alg().equals(alg) && k.publishedAt(now))
                .findFirst();
    }

    /**
     * Reloads for a kid not known here, at most once per {@link #UNKNOWN_KID_RELOAD}; true when it did. False too when
     * the database is out of reach: the kid stays unknown, as it may well be.
     */
    private synchronized boolean reloadForUnknownKid(Instant now) {
        if (now.isBefore(unknownKidReloadAt.plus(UNKNOWN_KID_RELOAD))) return false;
        unknownKidReloadAt = now;
        try {
            reload();
            return true;
        } catch (RuntimeException e) {
            log.warn("cannot read the signing keys for an unknown kid ({})", e.toString());
            return false;
        }
    }

    /**
     * The verifier for a published key, or empty for an unknown or withdrawn kid. A kid this node does not know may be
     * a key another node has just created, so the keys are read again (at most every {@link #UNKNOWN_KID_RELOAD}).
     */
    public Optional<JWSVerifier> verifier(String kid, JWSAlgorithm alg) {
        refreshIfDue();
        Instant now = clock.instant();
        Optional<SigningKey> key = published(kid, alg, now);
        if (key.isEmpty() && keys.stream().noneMatch(k -> k.kid().equals(kid)) && reloadForUnknownKid(now))
            key = published(kid, alg, now);
        return key.map(k -> verifiers.computeIfAbsent(k.kid(), id -> {
            try {
                JWK pub = k.jwk().toPublicJWK();
                // Nimbus verifies Ed25519 from the JWK itself (Tink); it cannot export an OKP as a java.security key.
                if (pub instanceof com.nimbusds.jose.jwk.OctetKeyPair okp) return new Ed25519Verifier(okp);
                return new DefaultJWSVerifierFactory()
                        .createJWSVerifier(new com.nimbusds.jose.JWSHeader(k.alg()), toKey(pub));
            } catch (JOSEException e) {
                throw new IllegalStateException(e);
            }
        }));
    }

    private static java.security.Key toKey(JWK jwk) throws JOSEException {
        return switch (jwk) {
            case com.nimbusds.jose.jwk.ECKey ec -> ec.toECPublicKey();
            case com.nimbusds.jose.jwk.RSAKey rsa -> rsa.toRSAPublicKey();
            default -> throw new JOSEException("unsupported key type " + jwk.getKeyType());
        };
    }

    public JWKSet publishedKeys() {
        refreshIfDue();
        return published;
    }

    public List<SigningKey> keys() {
        refreshIfDue();
        return keys;
    }

    /** How a rotation treats the keys it replaces. */
    public enum Rotation {
        /** The new key is published now and signs after {@code publishAhead}; the old ones leave {@code retainAfter} later. */
        PLANNED,
        /** The new key signs at once; the old ones stay published {@code retainAfter}, so their tokens still verify. */
        IMMEDIATE,
        /**
         * The new key signs at once and the old ones leave the JWKS now: tokens they signed stop verifying here at once
         * (the verified-token cache checks the key on every hit). For a key known to be compromised.
         */
        WITHDRAW_PREVIOUS
    }

    /**
     * Starts a rotation for {@code alg}: the new key is published now and signs from now + publishAhead (or at once when
     * {@code immediate}, after a suspected compromise); older keys leave the JWKS retainAfter after that.
     */
    public SigningKey rotate(JWSAlgorithm alg, boolean immediate) {
        return rotate(alg, immediate ? Rotation.IMMEDIATE : Rotation.PLANNED, (h, key) -> {});
    }

    /**
     * A rotation of {@code alg} as {@code how} says; {@code alsoInTransaction} runs in its transaction with the new key
     * (an audit record).
     */
    public synchronized SigningKey rotate(
            JWSAlgorithm alg,
            Rotation how,
            java.util.function.BiConsumer<org.jdbi.v3.core.Handle, SigningKey> alsoInTransaction) {
        Instant now = clock.instant();
        Instant activates = how == Rotation.PLANNED ? now.plus(publishAhead) : now;
        SealedKeys.Generated g = sealed.generate(alg, activates, now);
        Instant othersLeave = how == Rotation.WITHDRAW_PREVIOUS ? now : activates.plus(retainAfter);
        store.rotate(g.row(), othersLeave, h -> alsoInTransaction.accept(h, g.key()));
        reload();
        announce(g.key());
        return g.key();
    }

    /**
     * Reads the keys again whenever another node of the cluster created one (ADR 0002). A key made by an immediate
     * rotation (or for an algorithm that has none, which {@link #init} with every supported algorithm prevents) signs
     * at once: without this the other nodes would publish it only at their next timed reload, and a relying party
     * reading their JWKS could not find its kid for up to {@link #RELOAD_EVERY}. After a gap in the events the keys
     * are read again too.
     */
    public void shareChanges(ClusterEvents clusterEvents) {
        clusterEvents.subscribe(TOPIC, kid -> reloadQuietly());
        clusterEvents.onGap(this::reloadQuietly);
        this.events = clusterEvents;
    }

    private void announce(SigningKey key) {
        ClusterEvents e = events;
        if (e == null) return;
        try {
            e.publishNow(TOPIC, key.kid());
        } catch (RuntimeException ex) {
            // The key is stored: the other nodes find it at their next reload, or on a token with its kid.
            log.warn("cannot tell the other nodes about signing key {} ({})", key.kid(), ex.toString());
        }
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            log.warn("cannot read the signing keys after another node changed them ({})", e.toString());
        }
    }

    /** A key made and stored beside any others of its algorithm (when none of them signs now). */
    private SigningKey create(JWSAlgorithm alg, Instant activatesAt) {
        SealedKeys.Generated g = sealed.generate(alg, activatesAt, clock.instant());
        store.insert(g.row());
        return g.key();
    }

    /**
     * The first key of {@code alg}, unless one is stored by the time this one is (another node made it meanwhile):
     * then empty, and that key serves. The key is generated before the store's lock is taken, so an RSA key's
     * generation does not hold up the other nodes.
     */
    private Optional<SigningKey> createFirst(JWSAlgorithm alg, Instant activatesAt) {
        SealedKeys.Generated g = sealed.generate(alg, activatesAt, clock.instant());
        return store.insertFirst(g.row()) ? Optional.of(g.key()) : Optional.empty();
    }
}
