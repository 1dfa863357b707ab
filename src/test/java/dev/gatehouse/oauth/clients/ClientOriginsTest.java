package dev.gatehouse.oauth.clients;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The origin of a redirect URI, as a browser would send it in {@code Origin} (RFC 6454 §6.1). */
class ClientOriginsTest {
    @ParameterizedTest
    @CsvSource({
        "https://app.example.com/cb, https://app.example.com",
        "https://app.example.com:443/cb, https://app.example.com",
        "https://APP.Example.com:8443/a/b?x=1, https://app.example.com:8443",
        "http://localhost:80/cb, http://localhost",
        "http://127.0.0.1:5173/cb, http://127.0.0.1:5173",
        "http://[::1]:3000/cb, http://[::1]:3000",
        "HTTPS://app.example.com/cb, https://app.example.com",
    })
    void whenTheRedirectUriIsHttp_thenItsOriginIsSchemeHostAndAnyOtherThanTheDefaultPort(String uri, String origin) {
        assertThat(OAuthClient.originOf(URI.create(uri))).isEqualTo(origin);
    }

    @ParameterizedTest
    @CsvSource({"com.example.app:/cb", "urn:ietf:wg:oauth:2.0:oob", "file:///tmp/cb"})
    void whenTheRedirectUriIsNotHttp_thenItHasNoOrigin(String uri) {
        assertThat(OAuthClient.originOf(URI.create(uri))).isNull();
    }
}
