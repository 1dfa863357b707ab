package dev.gatehouse.oidc;

import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.login.SessionState;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** OIDC Session Management §3's session_state, against a value computed here independently. */
class SessionStateTest {
    @Test
    void whenComputed_thenItIsTheHashOfClientOriginBrowserStateAndSaltThenTheSalt() throws Exception {
        String expected = Base64.getUrlEncoder()
                        .withoutPadding()
                        .encodeToString(MessageDigest.getInstance("SHA-256")
                                .digest("client-1 https://rp.example:8443 opbs-value s4lt"
                                        .getBytes(StandardCharsets.UTF_8)))
                + ".s4lt";
        assertThat(SessionState.compute("client-1", "https://rp.example:8443", "opbs-value", "s4lt"))
                .isEqualTo(expected);
        assertThat(SessionState.matches(expected, "client-1", "https://rp.example:8443", "opbs-value"))
                .isTrue();
        assertThat(SessionState.matches(expected, "client-2", "https://rp.example:8443", "opbs-value"))
                .isFalse();
        assertThat(SessionState.matches(expected, "client-1", "https://rp.example", "opbs-value"))
                .isFalse();
        assertThat(SessionState.matches(expected, "client-1", "https://rp.example:8443", ""))
                .isFalse();
        assertThat(SessionState.matches("no-salt", "client-1", "https://rp.example:8443", "opbs-value"))
                .isFalse();
        assertThat(SessionState.matches(expected + "x", "client-1", "https://rp.example:8443", "opbs-value"))
                .isFalse();
    }

    @Test
    void whenTheOriginOfARedirectUriIsTaken_thenDefaultPortsAndPathsAreDropped() {
        assertThat(SessionState.origin(URI.create("https://RP.example:443/cb?x=1")))
                .hasValue("https://rp.example");
        assertThat(SessionState.origin(URI.create("http://localhost:9999/cb"))).hasValue("http://localhost:9999");
        assertThat(SessionState.origin(URI.create("com.example.app:/cb"))).isEmpty();
    }
}
