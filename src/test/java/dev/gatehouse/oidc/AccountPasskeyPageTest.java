package dev.gatehouse.oidc;

import static dev.gatehouse.oidc.AccountSecurityPageTest.JSON;
import static dev.gatehouse.oidc.AccountSecurityPageTest.PAGE;
import static dev.gatehouse.testkit.TestAccounts.PASSWORD;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.SoftAuthenticator;
import dev.gatehouse.testkit.TestAccounts;
import dev.gatehouse.testkit.TestServer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The account page's passkey forms hold what the API's twins hold: names checked as text, only WebAuthn's transports,
 * and no backup codes left behind by the last passkey. Uses {@link AccountSecurityPageTest}'s browser helpers.
 */
@ServerTest
class AccountPasskeyPageTest {
    static TestServer server;
    static TestAccounts accounts;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        accounts = new TestAccounts(server);
        AccountSecurityPageTest.server = server;
        AccountSecurityPageTest.accounts = accounts;
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    /** Registers a passkey through the page's JSON calls, with {@code transports} reported when not null. */
    static JsonNode registerOnThePage(AccountSecurityPageTest.Visitor v, List<String> transports) throws Exception {
        String csrf = Browser.hidden(v.page().body(), "csrf");
        var begin = AccountSecurityPageTest.json(v.b(), PAGE + "/passkeys/begin", csrf, "{}");
        assertThat(begin.statusCode()).as(begin.body()).isEqualTo(200);
        ObjectNode credential = new SoftAuthenticator(server.base).create(JSON.readTree(begin.body()));
        credential.put("name", "Laptop");
        if (transports != null) {
            ArrayNode t = ((ObjectNode) credential.get("response")).putArray("transports");
            transports.forEach(t::add);
        }
        var finish = AccountSecurityPageTest.json(v.b(), PAGE + "/passkeys/finish", csrf, credential.toString());
        assertThat(finish.statusCode()).as(finish.body()).isEqualTo(201);
        return JSON.readTree(finish.body());
    }

    @Test
    void whenAPasskeyIsRenamedWithControlCharactersOrLineSeparators_thenTheFormAnswers400AndKeepsTheName()
            throws Exception {
        String email = accounts.registered("page-rename-text");
        var v = AccountSecurityPageTest.signedIn(email);
        String id = registerOnThePage(v, null).path("id").asText();
        var page = AccountSecurityPageTest.open(v.b());

        for (String name : List.of("Ph\u0000one", "a\u001b[31mb", "line\u2028break", "tab\there")) {
            var r = AccountSecurityPageTest.submit(v.b(), page, "/passkeys/" + id + "/rename", "name", name);
            assertThat(r.statusCode()).as(name).isEqualTo(400);
            assertThat(r.body()).contains("role=\"alert\"").contains("without control characters");
        }

        assertThat(AccountSecurityPageTest.open(v.b()).body()).contains("<h3>Laptop</h3>");
        var fine = AccountSecurityPageTest.submit(v.b(), page, "/passkeys/" + id + "/rename", "name", "Phone");
        assertThat(fine.statusCode()).isEqualTo(303);
    }

    @Test
    void whenThePageRegistersAPasskeyWithUnknownOrLongTransports_thenOnlyWebAuthnsAreKept() throws Exception {
        String email = accounts.registered("page-transports");
        var v = AccountSecurityPageTest.signedIn(email);
        var reported = new ArrayList<String>();
        for (int i = 0; i < 6; i++) reported.add("transport-" + i + "-" + "x".repeat(40));
        reported.addAll(List.of("nfc", "nfc", "ble", "cable"));

        JsonNode created = registerOnThePage(v, reported);

        // The answer is the credential as stored.
        assertThat(created.path("transports").toString()).isEqualTo("[\"ble\",\"nfc\"]");
    }

    @Test
    void whenTheOnlyPasskeyIsRemovedOnThePage_thenItsBackupCodesGoToo() throws Exception {
        String email = accounts.registered("page-last-key");
        var v = AccountSecurityPageTest.signedIn(email);
        JsonNode created = registerOnThePage(v, null);
        assertThat(created.path("backup_codes").size()).isEqualTo(10);
        var page = AccountSecurityPageTest.open(v.b());

        var deleted = AccountSecurityPageTest.submit(
                v.b(), page, "/passkeys/" + created.path("id").asText() + "/delete");

        assertThat(deleted.statusCode()).isEqualTo(303);
        var count = server.http
                .get("/v1/auth/mfa/backup-codes/count")
                .bearer(accounts.signIn(email, PASSWORD).accessToken())
                .send();
        assertThat(count.json().path("count").asInt()).isZero();
    }
}
