package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The page layout and the CSP source a client's redirect URI becomes. */
class HtmlTest {
    @Test
    void aRedirectUriBecomesItsOriginOrOnlyItsScheme() {
        assertThat(Html.sourceOf(URI.create("https://app.example/cb?x=1"))).isEqualTo("https://app.example");
        assertThat(Html.sourceOf(URI.create("http://127.0.0.1:8080/cb"))).isEqualTo("http://127.0.0.1:8080");
        assertThat(Html.sourceOf(URI.create("HTTPS://App.Example:8443/cb"))).isEqualTo("https://App.Example:8443");
        // CSP has no syntax for IPv6 literals or a native app's private-use scheme path: the scheme only.
        assertThat(Html.sourceOf(URI.create("http://[::1]:9000/cb"))).isEqualTo("http:");
        assertThat(Html.sourceOf(URI.create("com.example.app:/oauth2redirect"))).isEqualTo("com.example.app:");
        // Nothing that could break out of the header value.
        assertThat(Html.sourceOf(URI.create("/relative"))).isNull();
        assertThat(Html.sourceOf(URI.create("a" + "b".repeat(60) + ":/x"))).isNull();
    }

    @Test
    void thePageDeclaresItsLanguageAndEscapesTheTitle() {
        String page = Html.page(Messages.of(Locale.GERMAN), "<Titel>", "<p>x</p>");
        assertThat(page).contains("<html lang=\"de\">").contains("<title>&lt;Titel&gt;</title>");
        assertThat(Html.page("t", "")).contains("<html lang=\"en\">");
        assertThat(Html.alert("<b>")).isEqualTo("<p class=\"error\" role=\"alert\">&lt;b&gt;</p>\n");
    }
}
