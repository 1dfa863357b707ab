package dev.gatehouse.oauth.authorize;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import org.junit.jupiter.api.Test;

/** The form_post page's CSP names the redirect URI as a form-action source that no redirect URI can break out of. */
class FormPostSourceTest {
    @Test
    void whenTheRedirectUriHasAQueryPortOrSeparators_thenTheSourceStaysOneDirectiveValue() {
        assertThat(FormPostPage.formActionSource(URI.create("https://app.example:8443/cb?tenant=1")))
                .isEqualTo("https://app.example:8443/cb");
        assertThat(FormPostPage.formActionSource(URI.create("https://app.example/a;b,c")))
                .isEqualTo("https://app.example/a%3Bb%2Cc");
        assertThat(FormPostPage.formActionSource(URI.create("http://[::1]:9000/cb")))
                .isEqualTo("http://[::1]:9000/cb");
        assertThat(FormPostPage.formActionSource(URI.create("com.example.app:/callback")))
                .isEqualTo("com.example.app:");
    }
}
