package dev.gatehouse.tokens;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.keys.CompactJws;
import dev.gatehouse.platform.keys.KeyRing;
import dev.gatehouse.platform.keys.SigningKey;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.text.ParseException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Issues and verifies JWT access tokens in the RFC 9068 shape ({@code typ: at+jwt}; iss, sub, aud, exp, iat, jti,
 * client_id, scope). Verification accepts only the algorithms Gatehouse signs with and only keys it publishes, so
 * {@code alg: none} and HMAC-with-a-public-key confusions fail before any signature math.
 */
public final class AccessTokenService {
    public static final JOSEObjectType AT_JWT = new JOSEObjectType("at+jwt");
    private static final Set<String> REGISTERED =
            Set.of("iss", "sub", "aud", "iat", "exp", "nbf", "jti", "client_id", "scope", "sid", "cnf");

    /**
     * {@code dpopJkt}: bind the token to this DPoP key thumbprint ({@code cnf.jkt}, RFC 9449 §6). {@code alg}: the
     * client's access-token signing algorithm when it registered one, else the server's default. {@code
     * issuedNoEarlierThan}: the {@code iat} the token must at least carry to be accepted (a client's revoked tokens);
     * when it is still ahead, the token is dated then.
     */
    public record Request(
            String subject,
            Optional<UUID> sessionId,
            String clientId,
            List<String> audience,
            Set<String> scopes,
            Optional<String> dpopJkt,
            Optional<JWSAlgorithm> alg,
            Optional<Instant> issuedNoEarlierThan) {
        public Request(
                String subject, Optional<UUID> sessionId, String clientId, List<String> audience, Set<String> scopes) {
            this(subject, sessionId, clientId, audience, scopes, Optional.empty(), Optional.empty(), Optional.empty());
        }
    }

    public record Issued(String token, Instant expiresAt, long expiresIn, String jti) {}

    private final KeyRing keys;
    private final String issuer;
    private final Clock clock;
    private final Duration ttl;
    private final JWSAlgorithm alg;
    private final Counter issued;
    private final Counter cacheHits;
    private final Counter cacheMisses;
    /** Tokens whose header and signature checked out, by their SHA-256, until they expire; null when disabled. */
    private final Cache<Digest, Verified> verified;
    /** Client ids, audiences and scope sets repeat across tokens: cached claims share one copy of each. */
    private final Map<Object, Object> shared = new ConcurrentHashMap<>();

    private final Map<String, Set<String>> scopeSets = new ConcurrentHashMap<>();

    private final MessageDigest sha256;

    /** The header of each signing key's tokens, the same for all of them. */
    private final Map<String, CompactJws.Header> headers = new ConcurrentHashMap<>();

    /** The project's JSON settings: absent values (a null extra claim) are left out, as Nimbus did. */
    private static final ObjectMapper JSON = Json.newMapper();

    /** The SHA-256 of a token: the cache key binds the whole token, header, claims and signature. */
    private record Digest(long a, long b, long c, long d) {}

    /** A verified token's claims with the key that signed it, still checked on every hit (rotation, withdrawal). */
    private record Verified(String kid, JWSAlgorithm alg, AccessTokenClaims claims) {}

    /** Default size of the verified-token cache (entries); estimated at roughly 300 bytes each, ~15 MB when full. */
    public static final int DEFAULT_CACHE_SIZE = 50_000;

    public AccessTokenService(
            KeyRing keys, String issuer, Clock clock, Duration ttl, JWSAlgorithm alg, MeterRegistry metrics) {
        this(keys, issuer, clock, ttl, alg, metrics, DEFAULT_CACHE_SIZE);
    }

    /**
     * {@code cacheSize}: how many verified tokens to remember so a token's signature is checked once, not on every
     * introspection or userinfo call (0 turns the cache off).
     */
    public AccessTokenService(
            KeyRing keys,
            String issuer,
            Clock clock,
            Duration ttl,
            JWSAlgorithm alg,
            MeterRegistry metrics,
            int cacheSize) {
        this.keys = keys;
        this.issuer = issuer;
        this.clock = clock;
        this.ttl = ttl;
        this.alg = alg;
        this.issued = Counter.builder("gatehouse.tokens.issued")
                .tag("type", "access_token")
                .description("Access tokens issued")
                .register(metrics);
        this.cacheHits = Counter.builder("gatehouse.tokens.verify.cache")
                .tag("result", "hit")
                .description("Access-token verifications answered from the cache of verified tokens")
                .register(metrics);
        this.cacheMisses = Counter.builder("gatehouse.tokens.verify.cache")
                .tag("result", "miss")
                .description("Access-token verifications that checked the signature")
                .register(metrics);
        this.verified = cacheSize <= 0
                ? null
                : Caffeine.newBuilder()
                        .maximumSize(cacheSize)
                        .executor(Runnable::run)
                        .expireAfter(Expiry.<Digest, Verified>creating((k, v) -> {
                            // Memory only: every hit checks expiry against the clock itself.
                            Duration left =
                                    Duration.between(clock.instant(), v.claims().expiresAt());
                            return left.isNegative() ? Duration.ZERO : left.plusSeconds(1);
                        }))
                        .build();
        try {
            this.sha256 = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public Issued issue(Request r) {
        return issue(r, java.util.Map.of());
    }

    /**
     * With claims beyond RFC 9068's (e.g. RFC 8693 {@code act}); they cannot replace the registered ones set here.
     */
    public Issued issue(Request r, java.util.Map<String, Object> extra) {
        return issue(r, extra, Instant.MAX);
    }

    /** Expiring no later than {@code notAfter} (a token derived from others outlives none of them, RFC 8693). */
    public Issued issue(Request r, java.util.Map<String, Object> extra, Instant notAfter) {
        Instant now = clock.instant();
        Instant exp = now.plus(ttl);
        if (notAfter.isBefore(exp)) exp = notAfter;
        String jti = UUID.randomUUID().toString();
        var claims = new LinkedHashMap<String, Object>();
        claims.put("iss", issuer);
        claims.put("sub", r.subject());
        // RFC 7519 §4.1.3: a single audience may be a string, as Nimbus writes it
        claims.put("aud", r.audience().size() == 1 ? r.audience().get(0) : r.audience());
        // iat is in whole seconds, and a client's tokens revoked within a second are refused up to its end: one asked
        // for after the revocation, within that second, is dated at its end (at most a second ahead), not born refused
        // (ADR 0031).
        long iat = r.issuedNoEarlierThan()
                .filter(now::isBefore)
                .map(Instant::getEpochSecond)
                .orElse(now.getEpochSecond());
        claims.put("iat", iat);
        claims.put("exp", exp.getEpochSecond());
        claims.put("jti", jti);
        claims.put("client_id", r.clientId());
        if (!r.scopes().isEmpty()) claims.put("scope", String.join(" ", r.scopes()));
        r.sessionId().ifPresent(sid -> claims.put("sid", sid.toString()));
        r.dpopJkt().ifPresent(jkt -> claims.put("cnf", Map.of("jkt", jkt)));
        extra.forEach((name, value) -> {
            if (!REGISTERED.contains(name)) claims.put(name, value);
        });
        JWSAlgorithm signWith = r.alg().orElse(alg);
        SigningKey key = keys.signingKey(signWith);
        CompactJws.Header header = headers.computeIfAbsent(
                key.kid(),
                kid -> CompactJws.Header.of(
                        new JWSHeader.Builder(signWith).type(AT_JWT).keyID(kid).build()));
        String token;
        try {
            token = CompactJws.sign(keys.signer(key), header, JSON.writeValueAsBytes(claims));
        } catch (JOSEException | JsonProcessingException e) {
            throw new IllegalStateException("signing failed", e);
        }
        issued.increment();
        return new Issued(token, exp, Math.max(0, Duration.between(now, exp).toSeconds()), jti);
    }

    /**
     * The claims of a valid, unexpired token of ours; empty for anything else. A token verified before is found by its
     * SHA-256 and not verified again, but its expiry and whether its key is still published are checked every time,
     * so the answer is the one a full verification would give.
     */
    public Optional<AccessTokenClaims> verify(String token) {
        if (token == null || token.length() > 8192 || dots(token) != 2) {
            return Optional.empty();
        }
        if (verified == null) return verifyFully(token).map(Verified::claims);
        Digest digest = digest(token);
        Verified hit = verified.getIfPresent(digest);
        if (hit != null) {
            cacheHits.increment();
            if (!hit.claims().expiresAt().isAfter(clock.instant())
                    || keys.verifier(hit.kid(), hit.alg()).isEmpty()) {
                verified.invalidate(digest);
                return Optional.empty();
            }
            return Optional.of(hit.claims());
        }
        cacheMisses.increment();
        Optional<Verified> fresh = verifyFully(token);
        fresh.ifPresent(v -> verified.put(digest, v));
        return fresh.map(Verified::claims);
    }

    private static int dots(String token) {
        int n = 0;
        for (int i = token.indexOf('.'); i >= 0; i = token.indexOf('.', i + 1)) n++;
        return n;
    }

    private Digest digest(String token) {
        MessageDigest md;
        try {
            md = (MessageDigest) sha256.clone();
        } catch (CloneNotSupportedException e) {
            try {
                md = MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException impossible) {
                throw new IllegalStateException(impossible);
            }
        }
        ByteBuffer h = ByteBuffer.wrap(md.digest(token.getBytes(StandardCharsets.ISO_8859_1)));
        return new Digest(h.getLong(), h.getLong(), h.getLong(), h.getLong());
    }

    /** The scope claim as an ordered, read-only set, one shared instance per distinct claim value. */
    private Set<String> scopeSet(String scope) {
        Set<String> known = scopeSets.get(scope);
        if (known != null) return known;
        Set<String> set = Collections.unmodifiableSet(new LinkedHashSet<>(Arrays.asList(scope.split(" "))));
        if (scopeSets.size() < 10_000) scopeSets.putIfAbsent(scope, set);
        return set;
    }

    @SuppressWarnings("unchecked")
    private <T> T share(T value) {
        if (value == null) return null;
        if (shared.size() >= 10_000) {
            Object known = shared.get(value);
            return known == null ? value : (T) known;
        }
        return (T) shared.computeIfAbsent(value, v -> v);
    }

    private Optional<Verified> verifyFully(String token) {
        try {
            SignedJWT jwt = SignedJWT.parse(token);
            JWSHeader header = jwt.getHeader();
            if (!KeyRing.SUPPORTED.contains(header.getAlgorithm()) || header.getKeyID() == null)
                return Optional.empty();
            if (!AT_JWT.equals(header.getType())) return Optional.empty();
            Optional<JWSVerifier> verifier = keys.verifier(header.getKeyID(), header.getAlgorithm());
            if (verifier.isEmpty() || !jwt.verify(verifier.get())) return Optional.empty();
            JWTClaimsSet c = jwt.getJWTClaimsSet();
            Instant now = clock.instant();
            if (!issuer.equals(c.getIssuer()) || c.getExpirationTime() == null || c.getSubject() == null) {
                return Optional.empty();
            }
            if (!c.getExpirationTime().toInstant().isAfter(now)) return Optional.empty();
            String scope = c.getStringClaim("scope");
            Set<String> scopes = scope == null ? Set.of() : scopeSet(scope);
            String sid = c.getStringClaim("sid");
            Optional<String> jkt = Optional.empty();
            if (c.getClaim("cnf") != null) {
                Object value = c.getJSONObjectClaim("cnf").get("jkt");
                if (!(value instanceof String s)) return Optional.empty(); // a confirmation we cannot check
                jkt = Optional.of(s);
            }
            return Optional.of(new Verified(
                    header.getKeyID(),
                    header.getAlgorithm(),
                    new AccessTokenClaims(
                            c.getJWTID(),
                            share(c.getSubject()),
                            share(
                                    c.getAudience() == null
                                            ? List.<String>of()
                                            : Collections.unmodifiableList(c.getAudience())),
                            share(c.getStringClaim("client_id")),
                            scopes,
                            sid == null ? Optional.empty() : Optional.of(UUID.fromString(sid)),
                            c.getIssueTime() == null ? null : c.getIssueTime().toInstant(),
                            c.getExpirationTime().toInstant(),
                            jkt)));
        } catch (ParseException | JOSEException | IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
