package dev.gatehouse.platform.keys;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.KeyUse;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.JWKGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import dev.gatehouse.platform.config.ConfigException;
import dev.gatehouse.platform.crypto.MasterKey;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.time.Instant;
import java.util.Optional;

/**
 * Signing keys as the store keeps them: made here with their private half sealed by the master key (its kid, the JWK
 * thumbprint, binds the sealed bytes), and opened again when read. {@link KeyRing} decides when keys are made and
 * which signs.
 */
final class SealedKeys {
    private final MasterKey masterKey;

    SealedKeys(MasterKey masterKey) {
        this.masterKey = masterKey;
    }

    /** A new key and the row that stores it. */
    record Generated(SigningKey key, SigningKeyStore.Row row) {}

    /** A new key of {@code alg}, made at {@code now}, that signs from {@code activatesAt}. */
    Generated generate(JWSAlgorithm alg, Instant activatesAt, Instant now) {
        JWKGenerator<? extends JWK> gen = switch (alg.getName()) {
            case "ES256" -> new ECKeyGenerator(Curve.P_256);
            case "RS256", "PS256" -> new RSAKeyGenerator(2048);
            case "EdDSA" -> new OctetKeyPairGenerator(Curve.Ed25519);
            default -> throw new IllegalArgumentException("unsupported algorithm " + alg);
        };
        try {
            JWK generated = gen.keyUse(KeyUse.SIGNATURE).algorithm(alg).generate();
            String kid = generated.computeThumbprint().toString();
            JWK jwk = switch (generated) {
                case com.nimbusds.jose.jwk.ECKey ec ->
                    new com.nimbusds.jose.jwk.ECKey.Builder(ec).keyID(kid).build();
                case com.nimbusds.jose.jwk.RSAKey rsa ->
                    new com.nimbusds.jose.jwk.RSAKey.Builder(rsa).keyID(kid).build();
                case com.nimbusds.jose.jwk.OctetKeyPair okp ->
                    new com.nimbusds.jose.jwk.OctetKeyPair.Builder(okp)
                            .keyID(kid)
                            .build();
                default -> throw new IllegalStateException();
            };
            var row = new SigningKeyStore.Row(
                    kid,
                    alg.getName(),
                    jwk.toPublicJWK().toJSONString(),
                    masterKey.encrypt(jwk.toJSONString().getBytes(StandardCharsets.UTF_8), "signing-key:" + kid),
                    now,
                    activatesAt,
                    null);
            return new Generated(new SigningKey(kid, alg, jwk, now, activatesAt, Optional.empty()), row);
        } catch (JOSEException e) {
            throw new IllegalStateException("key generation failed", e);
        }
    }

    /** The key a stored row holds; a config error naming the variable when the master key is not the one it was sealed with. */
    SigningKey open(SigningKeyStore.Row r) {
        byte[] priv;
        try {
            priv = masterKey.decrypt(r.sealedPrivateJwk(), "signing-key:" + r.kid());
        } catch (IllegalStateException e) {
            // Almost always a different master key than the one that sealed the keys: say so, in one line.
            throw new ConfigException(
                    "GATEHOUSE_MASTER_KEY",
                    "cannot open the stored signing key " + r.kid()
                            + "; this is not the master key it was sealed with (GATEHOUSE_MASTER_KEY, or master.key"
                            + " in the data directory)");
        }
        try {
            JWK jwk = JWK.parse(new String(priv, StandardCharsets.UTF_8));
            return new SigningKey(
                    r.kid(),
                    JWSAlgorithm.parse(r.alg()),
                    jwk,
                    r.createdAt(),
                    r.activatesAt(),
                    Optional.ofNullable(r.expiresAt()));
        } catch (ParseException e) {
            throw new IllegalStateException("stored key " + r.kid() + " is unreadable", e);
        }
    }
}
