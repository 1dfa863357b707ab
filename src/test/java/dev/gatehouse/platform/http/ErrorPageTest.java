package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.Test;

/** {@link HttpServer#errorPage}: which page a browser gets for each refusal around a hosted page. */
class ErrorPageTest {
    static String page(Locale locale, int status) {
        return ErrorAnswers.errorPage(Messages.of(locale), status, "req-<1>");
    }

    @Test
    void whenTheServerRefuses_thenEachKindHasItsOwnWords_andTheReferenceIsEscaped() {
        assertThat(page(Locale.ENGLISH, 503)).contains("Temporarily unavailable");
        assertThat(page(Locale.ENGLISH, 429)).contains("Too many requests").doesNotContain("Temporarily");
        assertThat(page(Locale.ENGLISH, 500)).contains("Something went wrong");
        assertThat(page(Locale.ENGLISH, 405)).contains("Request not handled");
        assertThat(page(Locale.ENGLISH, 413)).contains("Request not handled");
        assertThat(page(Locale.GERMAN, 429)).contains("<html lang=\"de\">").contains("Zu viele Anfragen");
        assertThat(page(Locale.ENGLISH, 500))
                .contains("Reference: req-&lt;1&gt;")
                .doesNotContain("req-<1>");
    }
}
