package dev.gatehouse.platform.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.JWSObject;
import com.nimbusds.jose.JWSVerifier;
import com.nimbusds.jose.crypto.Ed25519Verifier;
import com.nimbusds.jose.crypto.factories.DefaultJWSSignerFactory;
import com.nimbusds.jose.crypto.factories.DefaultJWSVerifierFactory;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.ECKeyGenerator;
import com.nimbusds.jose.jwk.gen.OctetKeyPairGenerator;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** A compact JWS joined by {@link CompactJws} is one Nimbus parses and verifies, for every algorithm Gatehouse signs. */
class CompactJwsTest {
    @ParameterizedTest
    @ValueSource(strings = {"RS256", "PS256", "ES256", "EdDSA"})
    void whenSigned_thenNimbusParsesAndVerifiesIt_withTheHeaderAndPayloadAsGiven(String algName) throws Exception {
        JWSAlgorithm alg = JWSAlgorithm.parse(algName);
        JWK key = switch (algName) {
            case "RS256", "PS256" -> new RSAKeyGenerator(2048).keyID("k1").generate();
            case "ES256" -> new ECKeyGenerator(Curve.P_256).keyID("k1").generate();
            default -> new OctetKeyPairGenerator(Curve.Ed25519).keyID("k1").generate();
        };
        var header = CompactJws.Header.of(new JWSHeader.Builder(alg).keyID("k1").build());
        String json = "{\"sub\":\"ada\",\"name\":\"Ada Lovelace \u2014 \u00fc\",\"n\":[1,2]}";

        String jws = CompactJws.sign(
                new DefaultJWSSignerFactory().createJWSSigner(key, alg), header, json.getBytes(StandardCharsets.UTF_8));

        String[] parts = jws.split("\\.", -1);
        assertThat(parts).hasSize(3).allSatisfy(part -> assertThat(part).matches("[A-Za-z0-9_-]+"));
        JWSObject parsed = JWSObject.parse(jws);
        assertThat(parsed.getHeader().getAlgorithm()).isEqualTo(alg);
        assertThat(parsed.getHeader().getKeyID()).isEqualTo("k1");
        assertThat(parsed.getPayload().toString()).isEqualTo(json);
        JWSVerifier verifier = verifier(key, parsed.getHeader());
        assertThat(parsed.verify(verifier)).isTrue();

        // another payload under the same signature does not verify
        String forged = parts[0] + "."
                + Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString("{\"sub\":\"eve\"}".getBytes(StandardCharsets.UTF_8))
                + "." + parts[2];
        assertThat(JWSObject.parse(forged).verify(verifier)).isFalse();
    }

    private static JWSVerifier verifier(JWK key, JWSHeader header) throws Exception {
        if (key instanceof OctetKeyPair okp) return new Ed25519Verifier(okp.toPublicJWK());
        var publicKey =
                key instanceof RSAKey rsa ? rsa.toRSAPublicKey() : key.toECKey().toECPublicKey();
        return new DefaultJWSVerifierFactory().createJWSVerifier(header, publicKey);
    }
}
