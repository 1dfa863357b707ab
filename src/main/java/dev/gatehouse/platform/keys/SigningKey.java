package dev.gatehouse.platform.keys;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.JWK;
import java.time.Instant;
import java.util.Optional;

/**
 * One signing key. It is published in the JWKS from {@code createdAt}, signs from {@code activatesAt} until a newer key
 * of the same algorithm activates, and stays published until {@code expiresAt} so tokens it signed still verify.
 */
public record SigningKey(
        String kid, JWSAlgorithm alg, JWK jwk, Instant createdAt, Instant activatesAt, Optional<Instant> expiresAt) {

    public boolean publishedAt(Instant t) {
        return expiresAt.map(t::isBefore).orElse(true);
    }
}
