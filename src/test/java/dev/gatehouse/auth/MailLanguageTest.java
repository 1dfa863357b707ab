package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.accounts.UserProfile;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The account mails speak the language the request asked for (Accept-Language on the API, the page's language on the
 * hosted pages), or the account's profile locale, in the hosted pages' languages; English otherwise.
 */
@ServerTest
class MailLanguageTest {
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
    void whenTheRequestAsksForGerman_thenTheMailIsGermanAndItsLinkStillWorks() throws Exception {
        String email = TestAccounts.email("deutsch");
        var r = server.http
                .post("/v1/auth/register")
                .header("Accept-Language", "de-CH, en;q=0.5")
                .json(map("email", email, "password", PASSWORD))
                .send();
        assertThat(r.status()).as(r.body()).isEqualTo(202);

        var mail = server.awaitMail(email, s -> s.equals("Bestätigen Sie Ihre E-Mail-Adresse"));
        String text = TestServer.mailText(mail);
        String html = String.valueOf(
                ((jakarta.mail.Multipart) mail.getContent()).getBodyPart(1).getContent());
        assertThat(text)
                .contains("Bestätigen Sie Ihre E-Mail-Adresse, indem Sie diesen Link innerhalb von 24 Stunden öffnen:")
                .contains("/verify-email?token=")
                .contains("&ui_locales=de")
                .doesNotContain("Confirm");
        assertThat(html).contains("<html lang=\"de\">").contains("innerhalb von 24 Stunden");
        String token = server.tokenFromMail(email, s -> s.startsWith("Bestätigen"));
        assertThat(server.http
                        .post("/v1/auth/verify-email", map("token", token))
                        .status())
                .isEqualTo(200);

        // Without a language asked for: English.
        var english = server.http.post("/v1/auth/forgot-password", map("email", email));
        assertThat(english.status()).isEqualTo(202);
        server.awaitMail(email, TestAccounts.isReset());
    }

    @Test
    void whenTheProfileNamesALanguageOfThePages_thenItWinsOverTheRequest() {
        var german = User.created("a@example.com", true, null, null, null, Instant.EPOCH)
                .withClaims(null, null, new UserProfile(Map.of("locale", "de-AT")), Instant.EPOCH);
        var french = User.created("b@example.com", true, null, null, null, Instant.EPOCH)
                .withClaims(null, null, new UserProfile(Map.of("locale", "fr-CA")), Instant.EPOCH);
        var none = User.created("c@example.com", true, null, null, null, Instant.EPOCH);
        var english = new RequestInfo("127.0.0.1", "test", Optional.empty(), "r", "en-US");
        var fromGermany = new RequestInfo("127.0.0.1", "test", Optional.empty(), "r", "de-DE,de;q=0.9");

        assertThat(AccountService.languageOf(german, english)).isEqualTo(Locale.GERMAN);
        assertThat(AccountService.languageOf(french, fromGermany)).isEqualTo(Locale.GERMAN);
        assertThat(AccountService.languageOf(none, english)).isEqualTo(Locale.ENGLISH);
        assertThat(AccountService.languageOf(none, fromGermany.inLanguage(Locale.ENGLISH)))
                .isEqualTo(Locale.ENGLISH);
        assertThat(new RequestInfo("127.0.0.1", "test", Optional.empty(), "r").language())
                .isEqualTo(Locale.ENGLISH);
    }
}
