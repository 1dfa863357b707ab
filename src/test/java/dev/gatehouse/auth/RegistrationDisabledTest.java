package dev.gatehouse.auth;

import static dev.gatehouse.testkit.HttpJson.map;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static dev.gatehouse.testkit.TestAccounts.email;
import static org.assertj.core.api.Assertions.assertThat;

import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** GATEHOUSE_REGISTRATION_ENABLED=false: no self-registration, by password or by magic link. */
@ServerTest
class RegistrationDisabledTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start(Map.of("GATEHOUSE_REGISTRATION_ENABLED", "false"));
        accounts = new TestAccounts(server);
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    @Test
    void whenSomeoneRegisters_then403ProblemAndNoAccount() {
        String email = email("closed");

        var r = server.http.post("/v1/auth/register", map("email", email, "password", PASSWORD));

        assertThat(r.status()).isEqualTo(403);
        assertThat(r.json().path("code").asText()).isEqualTo("forbidden");
        assertThat(accounts.accountExists(email)).isFalse();
        assertThat(accounts.queuedSubjects(email)).isEmpty();
    }

    @Test
    void whenUnknownAddressAsksForAMagicLink_thenSameAnswerAsAKnownOneButNoMail() {
        String unknown = email("stranger");

        var known = server.http.post("/v1/auth/magic-link/send", map("email", TestServer.ADMIN_EMAIL));
        var stranger = server.http.post("/v1/auth/magic-link/send", map("email", unknown));

        assertThat(stranger.status()).isEqualTo(202);
        assertThat(stranger.body()).isEqualTo(known.body());
        server.awaitMail(TestServer.ADMIN_EMAIL, TestAccounts.isMagicLink());
        assertThat(accounts.queuedSubjects(unknown)).isEmpty();
    }

    @Test
    void whenABrowserOpensTheRegistrationPage_thenItSaysRegistrationIsClosed_andTheSignInPageDoesNotLinkThere()
            throws Exception {
        var http = java.net.http.HttpClient.newHttpClient();
        var page = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/register"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(403);
        assertThat(page.body()).contains("does not allow creating accounts").doesNotContain("<form");
        var posted = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/register"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                                "email=" + email("page-closed").replace("@", "%40") + "&password=" + PASSWORD))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(posted.statusCode()).isEqualTo(403);
        var login = http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(server.base + "/login"))
                        .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString());
        assertThat(login.body()).contains("href=\"/forgot-password\"").doesNotContain("href=\"/register\"");
    }

    @Test
    void whenSettingsAreRead_thenRegistrationIsOff() {
        assertThat(server.http
                        .get("/v1/auth/settings")
                        .send()
                        .json()
                        .path("registration_enabled")
                        .asBoolean())
                .isFalse();
    }
}
