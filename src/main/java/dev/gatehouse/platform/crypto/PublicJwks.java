package dev.gatehouse.platform.crypto;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import java.util.List;
import java.util.Optional;

/**
 * Public keys that other parties sign with (client assertions, DPoP proofs): only asymmetric algorithms, each tied to
 * its key type, so {@code none} and HMAC-with-a-public-key never reach signature math.
 */
public final class PublicJwks {
    /**
     * What Gatehouse verifies from clients: RS256, PS256, ES256, and Ed25519 keys under both the polymorphic
     * {@code EdDSA} name and the fully-specified {@code Ed25519} (RFC 9864) that oauth4webapi/openid-client use.
     */
    public static final List<JWSAlgorithm> ALGS = List.of(
            JWSAlgorithm.RS256, JWSAlgorithm.PS256, JWSAlgorithm.ES256, JWSAlgorithm.EdDSA, JWSAlgorithm.Ed25519);

    private PublicJwks() {}

    public static List<String> algNames() {
        return ALGS.stream().map(JWSAlgorithm::getName).toList();
    }

    /** Why a key may not be used to verify client signatures, or empty when it is fine. */
    public static Optional<String> problem(JWK key) {
        if (key.isPrivate()) return Optional.of("keys must be public (a private part was included)");
        if (key.getKeyUse() != null && !KeyUse.SIGNATURE.equals(key.getKeyUse()))
            return Optional.of("keys must have use sig");
        if (key instanceof RSAKey rsa) {
            return rsa.size() < 2048 ? Optional.of("RSA keys must have at least 2048 bits") : Optional.empty();
        }
        if (key instanceof ECKey ec) {
            return Curve.P_256.equals(ec.getCurve()) ? Optional.empty() : Optional.of("EC keys must use P-256");
        }
        if (key instanceof OctetKeyPair okp) {
            return Curve.Ed25519.equals(okp.getCurve()) ? Optional.empty() : Optional.of("OKP keys must use Ed25519");
        }
        return Optional.of("keys must be RSA, EC P-256 or Ed25519");
    }

    /** RFC 9864: {@code EdDSA} with an Ed25519 key is the same algorithm as {@code Ed25519}. */
    private static String family(String alg) {
        return alg.equals("Ed25519") ? "EdDSA" : alg;
    }

    /** A verifier for {@code alg} with {@code key}, empty when the algorithm is not allowed or does not fit the key. */
    public static Optional<JWSVerifier> verifier(JWK key, JWSAlgorithm alg) {
        if (!ALGS.contains(alg) || problem(key).isPresent()) return Optional.empty();
        if (key.getAlgorithm() != null && !family(key.getAlgorithm().getName()).equals(family(alg.getName())))
            return Optional.empty();
        try {
            if (key instanceof RSAKey rsa && (alg.equals(JWSAlgorithm.RS256) || alg.equals(JWSAlgorithm.PS256)))
                return Optional.of(new RSASSAVerifier(rsa.toRSAPublicKey()));
            if (key instanceof ECKey ec && alg.equals(JWSAlgorithm.ES256)) return Optional.of(new ECDSAVerifier(ec));
            if (key instanceof OctetKeyPair okp && (alg.equals(JWSAlgorithm.EdDSA) || alg.equals(JWSAlgorithm.Ed25519)))
                return Optional.of(new Ed25519Verifier(okp));
        } catch (JOSEException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
