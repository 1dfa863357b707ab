package dev.gatehouse.oidc;

import static dev.gatehouse.testkit.HttpJson.map;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.Scope;
import com.nimbusds.oauth2.sdk.id.ClientID;
import com.nimbusds.oauth2.sdk.id.State;
import com.nimbusds.oauth2.sdk.pkce.CodeChallengeMethod;
import com.nimbusds.oauth2.sdk.pkce.CodeVerifier;
import com.nimbusds.openid.connect.sdk.AuthenticationRequest;
import com.nimbusds.openid.connect.sdk.Nonce;
import dev.gatehouse.testkit.ServerTest;
import dev.gatehouse.testkit.TestServer;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The hosted pages (sign-in, consent, authorization error): security headers, accessible markup, CSRF, and their
 * language chosen by {@code ui_locales} or {@code Accept-Language}.
 */
@ServerTest
class HostedPagesTest {
    static final URI CALLBACK = URI.create("http://localhost:9999/cb");
    static final String PASSWORD = "Correct-Horse-Battery-9";
    static TestServer server;
    static ClientID client;

    @BeforeAll
    static void start() {
        server = TestServer.start();
        // Registered for refresh too: offline_access is only asked (and shown on the consent page) for such a client.
        var metadata = TestServer.webClient(
                "Täst <App>", CALLBACK, "openid profile email offline_access", "authorization_code", "refresh_token");
        metadata.put("policy_uri", "https://app.example/privacy?lang=en&v=2");
        metadata.put("tos_uri", "https://app.example/terms");
        var r = server.registerClient(metadata);
        client = new ClientID(r.text("client_id"));
    }

    @AfterAll
    static void stop() {
        server.close();
    }

    static URI authorizeUri(String uiLocales) {
        var b = new AuthenticationRequest.Builder(
                        ResponseType.CODE, new Scope("openid", "email", "offline_access"), client, CALLBACK)
                .endpointURI(URI.create(server.base + "/oauth2/authorize"))
                .state(new State())
                .nonce(new Nonce())
                .codeChallenge(new CodeVerifier(), CodeChallengeMethod.S256);
        URI uri = b.build().toURI();
        return uiLocales == null
                ? uri
                : URI.create(uri + "&ui_locales=" + URLEncoder.encode(uiLocales, StandardCharsets.UTF_8));
    }

    static HttpResponse<String> get(Browser b, URI uri, String acceptLanguage) throws Exception {
        var req = HttpRequest.newBuilder(uri).GET();
        if (acceptLanguage != null) req.header("Accept-Language", acceptLanguage);
        return b.http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    static HttpResponse<String> post(Browser b, String path, Map<String, String> form, String acceptLanguage)
            throws Exception {
        String body = form.entrySet().stream()
                .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "="
                        + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
                .collect(Collectors.joining("&"));
        var req = HttpRequest.newBuilder(URI.create(server.base + path))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (acceptLanguage != null) req.header("Accept-Language", acceptLanguage);
        return b.http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Follows same-server redirects, sending the language header each time as a browser would. */
    static HttpResponse<String> follow(Browser b, HttpResponse<String> r, String acceptLanguage) throws Exception {
        while (r.statusCode() / 100 == 3 && Browser.location(r).toString().startsWith(server.base))
            r = get(b, Browser.location(r), acceptLanguage);
        return r;
    }

    static void assertPageHeaders(HttpResponse<String> r) {
        var h = r.headers();
        assertThat(h.firstValue("Content-Type"))
                .hasValueSatisfying(v -> assertThat(v).startsWith("text/html"));
        assertThat(h.firstValue("Content-Security-Policy"))
                .hasValueSatisfying(v -> assertThat(v)
                        .contains("default-src 'none'")
                        .contains("frame-ancestors 'none'")
                        .contains("form-action 'self'")
                        .doesNotContain("unsafe-eval")
                        .satisfies(csp -> {
                            // The sign-in pages may run their one static script, by a per-response nonce only.
                            if (csp.contains("script-src"))
                                assertThat(csp).containsPattern("script-src 'nonce-[A-Za-z0-9_-]{16,}'(;|$)");
                        }));
        String csp = h.firstValue("Content-Security-Policy").orElseThrow();
        var nonce = Pattern.compile("'nonce-([A-Za-z0-9_-]+)'").matcher(csp);
        if (nonce.find()) assertThat(r.body()).contains(" nonce=\"" + nonce.group(1) + "\"");
        assertThat(h.firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(h.firstValue("Referrer-Policy")).hasValue("no-referrer");
        assertThat(h.firstValue("X-Frame-Options")).hasValue("DENY");
        assertThat(h.firstValue("Cache-Control")).hasValue("no-store");
    }

    private static final Pattern INPUT = Pattern.compile("<input ([^>]*)>");
    private static final Pattern ATTR = Pattern.compile("(\\w[\\w-]*)=\"([^\"]*)\"");

    /** The sign-in pages' one script element: the static WebAuthn script, pinned by integrity, run by nonce. */
    static final Pattern SIGN_IN_SCRIPT = Pattern.compile(
            "<script src=\"/assets/login-webauthn\\.js\\?v=[0-9a-f]+\" integrity=\"sha256-[A-Za-z0-9+/=]+\""
                    + " nonce=\"[A-Za-z0-9_-]+\" defer></script>");

    /** The page without its sign-in script element: what is left must hold no script at all. */
    static String withoutSignInScript(String html) {
        return SIGN_IN_SCRIPT.matcher(html).replaceAll("");
    }

    /**
     * Every visible input labelled and with autocomplete; the page has a language, a heading and no script but the
     * sign-in pages' static one (no inline script, no inline handlers).
     */
    static void assertAccessible(String html, String lang) {
        assertThat(html).contains("<html lang=\"" + lang + "\">").contains("<h1>");
        assertThat(withoutSignInScript(html)).doesNotContain("<script").doesNotContainPattern(" on[a-z]+=");
        assertThat(html).doesNotContain("tabindex=\"-");
        var inputs = INPUT.matcher(html);
        while (inputs.find()) {
            var attrs = ATTR.matcher(inputs.group(1))
                    .results()
                    .collect(Collectors.toMap(m -> m.group(1), m -> m.group(2), (a, b) -> a));
            if ("hidden".equals(attrs.get("type"))) continue;
            if ("radio".equals(attrs.get("type"))) {
                // A radio is labelled by the label around it, inside a fieldset with a legend.
                assertThat(html).contains("<label>" + inputs.group()).contains("<legend>");
                continue;
            }
            assertThat(attrs).as(inputs.group()).containsKeys("id", "name", "autocomplete");
            assertThat(html).as("label for " + attrs.get("id")).contains("<label for=\"" + attrs.get("id") + "\">");
        }
        assertButtons(html);
    }

    /**
     * Buttons are real, focusable buttons with a visible name: submit buttons, or a script's {@code type="button"} (the
     * passkey button, in a section hidden until the script runs).
     */
    static void assertButtons(String html) {
        var m = Pattern.compile("<button type=\"(submit|button)\"[^>]*>([^<]+)</button>")
                .matcher(html);
        int n = 0;
        while (m.find()) {
            assertThat(m.group(2)).isNotBlank();
            n++;
        }
        assertThat(html.split("<button", -1).length - 1).isEqualTo(n);
    }

    static String newUser() {
        return server.register("u" + System.nanoTime() + "@example.com", PASSWORD);
    }

    @Test
    void whenTheLoginPageIsShown_thenItIsEnglishAccessibleAndHasEveryPageHeader() throws Exception {
        var page = new Browser(server.base).get(URI.create(server.base + "/login"));
        assertThat(page.statusCode()).isEqualTo(200);
        assertPageHeaders(page);
        assertAccessible(page.body(), "en");
        assertThat(page.body())
                .contains("<title>Sign in</title>")
                .contains("<label for=\"email\">Email</label>")
                .contains("autocomplete=\"username\"")
                .contains("autocomplete=\"current-password\"")
                .doesNotContain("role=\"alert\"");
    }

    @Test
    void whenTheBrowserPrefersGerman_thenTheLoginPageAndItsErrorAreGerman() throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        var page = follow(b, get(b, authorizeUri(null), "de-DE,de;q=0.9,en;q=0.8"), "de-DE,de;q=0.9,en;q=0.8");
        assertThat(page.statusCode()).isEqualTo(200);
        assertAccessible(page.body(), "de");
        assertThat(page.body()).contains("<title>Anmelden</title>").contains("E-Mail-Adresse</label>");

        var wrong = post(
                b,
                "/login",
                Map.of(
                        "csrf",
                        Browser.hidden(page.body(), "csrf"),
                        "return_to",
                        Browser.hidden(page.body(), "return_to"),
                        "email",
                        email,
                        "password",
                        "wrong-wrong-wrong"),
                "de");
        assertThat(wrong.statusCode()).isEqualTo(400);
        assertPageHeaders(wrong);
        assertAccessible(wrong.body(), "de");
        assertThat(wrong.body())
                .contains("role=\"alert\">E-Mail-Adresse oder Passwort ist nicht korrekt.</p>")
                .contains("aria-invalid=\"true\"")
                .contains("value=\"" + email + "\"");
    }

    @Test
    void whenUiLocalesAsksForGerman_thenItWinsOverAcceptLanguageOnEveryPage() throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        // ui_locales travels inside the pending authorization request (return_to), so no page has to copy it.
        var login = follow(b, get(b, authorizeUri("fr de"), "en"), "en");
        assertThat(login.statusCode()).isEqualTo(200);
        assertThat(login.body()).contains("<html lang=\"de\">").contains("<button type=\"submit\">Anmelden</button>");

        var consent = follow(
                b,
                post(
                        b,
                        "/login",
                        Map.of(
                                "csrf",
                                Browser.hidden(login.body(), "csrf"),
                                "return_to",
                                Browser.hidden(login.body(), "return_to"),
                                "email",
                                email,
                                "password",
                                PASSWORD),
                        "en"),
                "en");
        assertThat(consent.statusCode()).as(consent.body()).isEqualTo(200);
        assertPageHeaders(consent);
        assertAccessible(consent.body(), "de");
        assertThat(consent.body())
                .contains("<title>Zugriff erlauben?</title>")
                .contains("Täst &lt;App&gt; möchte:")
                .contains("<li>Sie mit Ihrem Konto anmelden</li>")
                .contains("<li>Ihre E-Mail-Adresse sehen</li>")
                .contains("<li>Zugriff behalten, während Sie abwesend sind</li>")
                .contains(">Erlauben</button>")
                .contains(">Ablehnen</button>")
                .doesNotContain("Allow");

        // The consent page answered without its CSRF cookie: refused, in German, nothing granted.
        var forged = post(
                new Browser(server.base),
                "/consent",
                Map.of(
                        "csrf",
                        Browser.hidden(consent.body(), "csrf"),
                        "return_to",
                        Browser.hidden(consent.body(), "return_to"),
                        "ui_locales",
                        "de",
                        "decision",
                        "allow"),
                "en");
        assertThat(forged.statusCode()).isEqualTo(403);
        assertPageHeaders(forged);
        assertThat(forged.body()).contains("<html lang=\"de\">").contains("Anfrage abgelaufen");
    }

    @Test
    void whenNoLanguageIsAsked_thenTheConsentPageDescribesTheScopesInEnglish() throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        var consent = b.signIn(b.follow(b.get(authorizeUri(null))), email, PASSWORD);
        assertThat(consent.statusCode()).isEqualTo(200);
        assertAccessible(consent.body(), "en");
        assertThat(consent.body())
                .contains("Täst &lt;App&gt; would like to:")
                .contains("<li>Sign you in with your account</li>")
                .contains("<li>See your email address</li>")
                .contains("<li>Keep access while you are away</li>")
                .contains("value=\"allow\">Allow</button>");
        // Who is signed in, and the client's privacy policy and terms (OIDC Registration §2), before the choice.
        assertThat(consent.body())
                .contains("<p>You are signed in as <strong>" + email + "</strong>.</p>")
                .contains("<a href=\"https://app.example/privacy?lang=en&amp;v=2\" rel=\"noopener noreferrer\">"
                        + "Privacy policy of Täst &lt;App&gt;</a>")
                .contains("<a href=\"https://app.example/terms\" rel=\"noopener noreferrer\">"
                        + "Terms of service of Täst &lt;App&gt;</a>");
    }

    @Test
    void whenTheLoginFormIsPostedWithoutItsCsrfCookie_thenRefusedInTheAskedLanguageAndNoSession() throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        var r = post(
                b, "/login", Map.of("csrf", "forged", "email", email, "password", PASSWORD, "ui_locales", "de"), null);
        assertThat(r.statusCode()).isEqualTo(403);
        assertPageHeaders(r);
        assertThat(r.body())
                .contains("<html lang=\"de\">")
                .contains("role=\"alert\">Ihre Sitzung ist abgelaufen. Bitte melden Sie sich erneut an.</p>")
                .contains("name=\"ui_locales\" value=\"de\"");
        assertThat(b.cookies.getCookieStore().getCookies())
                .noneMatch(c -> c.getName().equals("gh_sso"));
    }

    /**
     * A sibling host of the same site can plant a CSRF cookie and post its value in the form (a login CSRF: the victim
     * signed in to the attacker's account); the browser still says where the post came from (ADR 0023).
     */
    @ParameterizedTest
    @ValueSource(strings = {"cross-site", "same-site"})
    void whenTheBrowserSaysTheLoginFormCameFromAnotherSite_thenRefusedDespiteAMatchingToken(String site)
            throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        var page = b.follow(b.get(authorizeUri(null)));
        b.fetchSite = site;
        var refused = b.submitSignIn(page, email, PASSWORD);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("role=\"alert\">Your session expired. Please sign in again.</p>");
        assertThat(b.cookies.getCookieStore().getCookies())
                .noneMatch(c -> c.getName().equals("gh_sso"));

        // The same form from the page itself (or from a browser that sends no Fetch Metadata) signs in.
        b.fetchSite = "same-origin";
        var consent = b.signIn(b.follow(b.get(authorizeUri(null))), email, PASSWORD);
        assertThat(consent.statusCode()).isEqualTo(200);
        assertThat(consent.body()).contains("name=\"decision\"");
        assertThat(b.cookies.getCookieStore().getCookies())
                .anyMatch(c -> c.getName().equals("gh_sso"));
    }

    @Test
    void whenTheConsentPageIsOpenInTwoTabs_thenEachTabsAnswerIsTaken() throws Exception {
        var b = new Browser(server.base);
        var first = b.signIn(b.follow(b.get(authorizeUri(null))), newUser(), PASSWORD);
        assertThat(first.body()).contains("name=\"decision\"");
        // A second authorization request in another tab shows its own consent page, with the same CSRF token.
        var second = b.follow(b.get(authorizeUri(null)));
        assertThat(second.body()).contains("name=\"decision\"");
        assertThat(Browser.hidden(second.body(), "csrf")).isEqualTo(Browser.hidden(first.body(), "csrf"));

        var allowed = b.submitConsent(first, "allow");
        assertThat(allowed.statusCode() / 100).as(allowed.body()).isEqualTo(3);
        assertThat(Browser.location(allowed).toString()).startsWith(CALLBACK + "?code=");
        var alsoAllowed = b.submitConsent(second, "allow");
        assertThat(alsoAllowed.statusCode() / 100).as(alsoAllowed.body()).isEqualTo(3);
        assertThat(Browser.location(alsoAllowed).toString()).startsWith(CALLBACK + "?code=");
    }

    @Test
    void whenTheBrowserSaysTheConsentCameFromAnotherSite_thenNoConsentIsRecorded() throws Exception {
        var b = new Browser(server.base);
        var consent = b.signIn(b.follow(b.get(authorizeUri(null))), newUser(), PASSWORD);
        assertThat(consent.body()).contains("name=\"decision\"");
        b.fetchSite = "same-site";
        var refused = b.submitConsent(consent, "allow");
        assertThat(refused.statusCode()).isEqualTo(403);
        // Nothing remembered: the next request asks again, and from the page itself the answer goes to the client.
        b.fetchSite = "same-origin";
        var again = b.follow(b.get(authorizeUri(null)));
        assertThat(again.statusCode()).isEqualTo(200);
        assertThat(again.body()).contains("name=\"decision\"");
        var allowed = b.submitConsent(again, "allow");
        assertThat(allowed.statusCode() / 100).isEqualTo(3);
        assertThat(Browser.location(allowed).toString()).startsWith(CALLBACK + "?code=");
    }

    @Test
    void whenTheAccountHasASecondFactor_thenTheSecondStepIsGermanToo() throws Exception {
        var accounts = new dev.gatehouse.testkit.TestAccounts(server);
        String email = accounts.registered("mfa-de");
        String token = accounts.signIn(email, dev.gatehouse.testkit.TestAccounts.PASSWORD)
                .accessToken();
        String secret =
                server.http.post("/v1/auth/mfa/setup").bearer(token).send().text("secret");
        var enable = server.http
                .post("/v1/auth/mfa/enable")
                .bearer(token)
                .json(map("code", dev.gatehouse.mfa.TotpCodes.at(secret, server.clock.instant())))
                .send();
        assertThat(enable.status()).isEqualTo(200);

        var b = new Browser(server.base);
        var login = follow(b, get(b, authorizeUri("de"), null), null);
        var second = post(
                b,
                "/login",
                Map.of(
                        "csrf",
                        Browser.hidden(login.body(), "csrf"),
                        "return_to",
                        Browser.hidden(login.body(), "return_to"),
                        "email",
                        email,
                        "password",
                        dev.gatehouse.testkit.TestAccounts.PASSWORD),
                null);
        assertThat(second.statusCode()).isEqualTo(200);
        assertPageHeaders(second);
        assertAccessible(second.body(), "de");
        assertThat(csp(second)).contains("form-action 'self' http://localhost:9999;");
        assertThat(second.body())
                .contains("<title>Anmeldung in zwei Schritten</title>")
                .contains("Code aus Ihrer Authenticator-App")
                .contains("autocomplete=\"one-time-code\"")
                .contains(">Weiter</button>");

        var empty = post(
                b,
                "/login/mfa",
                Map.of(
                        "csrf", Browser.hidden(second.body(), "csrf"),
                        "return_to", Browser.hidden(second.body(), "return_to"),
                        "mfa_token", Browser.hidden(second.body(), "mfa_token"),
                        "methods", Browser.hidden(second.body(), "methods"),
                        "method", "totp",
                        "code", " "),
                null);
        assertThat(empty.statusCode()).isEqualTo(400);
        assertAccessible(empty.body(), "de");
        assertThat(empty.body()).contains("role=\"alert\">Geben Sie den Code ein.</p>");
    }

    @Test
    void whenSignInIsRateLimited_thenTheLoginPageSaysSoInItsLanguageNotAsJson() throws Exception {
        try (var limited = TestServer.start(Map.of("GATEHOUSE_RATE_LIMITS", "on"))) {
            var b = new Browser(limited.base);
            var page = b.get(URI.create(limited.base + "/login"));
            HttpResponse<String> r = null;
            for (int i = 0; i < 12; i++) {
                var req = HttpRequest.newBuilder(URI.create(limited.base + "/login"))
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .header("Accept-Language", "de")
                        .POST(HttpRequest.BodyPublishers.ofString("csrf=" + Browser.hidden(page.body(), "csrf")
                                + "&email=nobody%40example.com&password=wrong-wrong-wrong"))
                        .build();
                r = b.http.send(req, HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 429) break;
                assertThat(r.statusCode()).isEqualTo(400);
                page = r;
            }
            assertThat(r.statusCode()).isEqualTo(429);
            assertPageHeaders(r);
            assertThat(r.headers().firstValue("Retry-After")).isPresent();
            assertAccessible(r.body(), "de");
            assertThat(r.body()).contains("role=\"alert\">Zu viele Anmeldeversuche.");
        }
    }

    @Test
    void whenUiLocalesIsGivenToTheLoginPage_thenItIsCarriedInTheFormAndNeverReflectedRaw() throws Exception {
        var b = new Browser(server.base);
        var de = b.get(URI.create(server.base + "/login?ui_locales=de"));
        assertThat(de.body()).contains("<html lang=\"de\">").contains("name=\"ui_locales\" value=\"de\"");
        var evil = b.get(URI.create(server.base + "/login?ui_locales="
                + URLEncoder.encode("\"><script>x</script>", StandardCharsets.UTF_8)));
        assertThat(evil.statusCode()).isEqualTo(200);
        assertThat(evil.body()).contains("<html lang=\"en\">").contains("name=\"ui_locales\" value=\"\"");
        assertThat(withoutSignInScript(evil.body())).doesNotContain("<script");
    }

    static String csp(HttpResponse<String> r) {
        return r.headers().firstValue("Content-Security-Policy").orElseThrow();
    }

    @Test
    void whenAPageLeadsBackToAClient_thenOnlyThatCheckedOriginIsAllowedAsFormAction() throws Exception {
        var b = new Browser(server.base);
        String email = newUser();
        var login = b.follow(b.get(authorizeUri(null)));
        // Browsers apply form-action to the redirects after a form post, which end at the client.
        assertThat(csp(login)).contains("form-action 'self' http://localhost:9999;");
        var consent = b.signIn(login, email, PASSWORD);
        assertThat(consent.body()).contains("name=\"decision\"");
        assertThat(csp(consent)).contains("form-action 'self' http://localhost:9999;");

        // A return_to naming an unregistered redirect URI widens nothing.
        String forged = "/oauth2/authorize?client_id=" + client + "&response_type=code&redirect_uri="
                + URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8);
        var evil = new Browser(server.base)
                .get(URI.create(server.base + "/login?return_to=" + URLEncoder.encode(forged, StandardCharsets.UTF_8)));
        assertThat(evil.statusCode()).isEqualTo(200);
        assertThat(csp(evil)).contains("form-action 'self';").doesNotContain("evil");
        assertThat(csp(new Browser(server.base).get(URI.create(server.base + "/login"))))
                .contains("form-action 'self';");
    }

    @Test
    void whenTheClientIsUnknown_thenTheErrorPageIsLocalizedAndAnnounced() throws Exception {
        for (var c : List.of(
                new String[] {"en", null, "The application is not registered here.", "Sign-in request refused"},
                new String[] {"de", "de", "Die Anwendung ist hier nicht registriert.", "Anmeldeanfrage abgelehnt"})) {
            String uri = server.base + "/oauth2/authorize?client_id=nope&response_type=code"
                    + (c[1] == null ? "" : "&ui_locales=" + c[1]);
            var r = new Browser(server.base).get(URI.create(uri));
            assertThat(r.statusCode()).isEqualTo(400);
            assertThat(r.headers().firstValue("Location")).isEmpty();
            assertPageHeaders(r);
            assertAccessible(r.body(), c[0]);
            assertThat(r.body()).contains("<h1>" + c[3] + "</h1>").contains("role=\"alert\">" + c[2] + "</p>");
        }
        // Accept-Language alone, and a repeated parameter named in the message.
        var b = new Browser(server.base);
        var r = get(b, URI.create(server.base + "/oauth2/authorize?client_id=a&client_id=b"), "de;q=1, en;q=0.5");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body()).contains("Die Anfrage enthält den Parameter client_id mehrfach.");
        var wrongRedirect = get(
                b,
                URI.create(server.base + "/oauth2/authorize?client_id=" + client + "&redirect_uri="
                        + URLEncoder.encode("https://evil.example/cb", StandardCharsets.UTF_8)),
                "en-GB");
        assertThat(wrongRedirect.statusCode()).isEqualTo(400);
        assertThat(wrongRedirect.body()).contains("The redirect URI is not registered for this application.");
    }

    @Test
    void whenTheAuthorizationRequestIsAFormPost_thenItsUiLocalesChoosesTheErrorPageLanguage() throws Exception {
        var r = post(
                new Browser(server.base), "/oauth2/authorize", Map.of("client_id", "nope", "ui_locales", "de"), "en");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(r.body().toLowerCase(Locale.ROOT)).contains("<html lang=\"de\">");
        assertThat(r.body()).contains("Die Anwendung ist hier nicht registriert.");
    }
}
