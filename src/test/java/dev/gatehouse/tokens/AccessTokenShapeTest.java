package dev.gatehouse.tokens;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jwt.SignedJWT;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Access tokens from /v1 sign-ins, checked by an independent verifier (Nimbus) against the published JWKS. */
@ServerTest
class AccessTokenShapeTest {
    static TestServer server;

    @BeforeAll
    static void start() {
        server = TestServer.start();
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenSigningIn_thenAccessTokenIsRfc9068JwtSignedByAPublishedEs256Key() throws Exception {
        SignedJWT jwt = SignedJWT.parse(server.adminToken());
        assertThat(jwt.getHeader().getAlgorithm()).isEqualTo(JWSAlgorithm.ES256);
        assertThat(jwt.getHeader().getType().getType()).isEqualTo("at+jwt");

        JWKSet jwks =
                JWKSet.parse(server.http.get("/.well-known/jwks.json").send().body());
        ECKey key = (ECKey) jwks.getKeyByKeyId(jwt.getHeader().getKeyID());
        assertThat(key).as("signing key is published").isNotNull();
        assertThat(key.isPrivate()).isFalse();
        assertThat(jwt.verify(new ECDSAVerifier(key))).isTrue();

        var claims = jwt.getJWTClaimsSet();
        assertThat(claims.getIssuer()).isEqualTo(server.base);
        assertThat(claims.getAudience()).containsExactly(server.base);
        assertThat(claims.getStringClaim("client_id")).isEqualTo("gatehouse");
        assertThat(claims.getSubject()).isNotBlank();
        assertThat(claims.getJWTID()).isNotBlank();
        assertThat(Duration.between(
                        claims.getIssueTime().toInstant(),
                        claims.getExpirationTime().toInstant()))
                .isEqualTo(Duration.ofMinutes(15));
    }

    @Test
    void whenTokenIsTamperedOrUnsigned_thenItIsRefused() throws Exception {
        String token = server.adminToken();
        String[] parts = token.split("\\.", -1);
        String noneHeader = Base64.getUrlEncoder()
                .withoutPadding()
                .encodeToString("{\"alg\":\"none\",\"typ\":\"at+jwt\"}".getBytes(StandardCharsets.UTF_8));
        String unsigned = noneHeader + "." + parts[1] + ".";
        String flipped =
                parts[0] + "." + parts[1] + "." + (parts[2].charAt(0) == 'A' ? 'B' : 'A') + parts[2].substring(1);
        for (String bad : new String[] {unsigned, flipped, parts[0] + "." + parts[1], "garbage"}) {
            var r = server.http.get("/v1/auth/me").bearer(bad).send();
            assertThat(r.status()).as(bad).isEqualTo(401);
            assertThat(r.header("Content-Type")).startsWith("application/problem+json");
        }
    }

    @Test
    void whenTokenExpires_thenItIsRefused() {
        String token = server.adminToken();
        assertThat(server.http.get("/v1/auth/me").bearer(token).send().status()).isEqualTo(200);
        server.clock.advance(Duration.ofMinutes(16));
        assertThat(server.http.get("/v1/auth/me").bearer(token).send().status()).isEqualTo(401);
    }
}
