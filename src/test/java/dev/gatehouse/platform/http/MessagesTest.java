package dev.gatehouse.platform.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The message bundles of the hosted pages and how a request's language is chosen. */
class MessagesTest {
    private static final Pattern PLACEHOLDER = Pattern.compile("\\{\\d+}");

    static Properties load(String name) throws Exception {
        try (InputStream in = MessagesTest.class.getResourceAsStream("/i18n/" + name)) {
            assertThat(in).as(name).isNotNull();
            var p = new Properties();
            p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
            return p;
        }
    }

    static Set<String> placeholders(String text) {
        var found = new TreeSet<String>();
        var m = PLACEHOLDER.matcher(text);
        while (m.find()) found.add(m.group());
        return found;
    }

    @Test
    void everySupportedLanguageHasExactlyTheEnglishKeysAndPlaceholders() throws Exception {
        Properties english = load("messages.properties");
        assertThat(english).isNotEmpty();
        for (Locale l : Messages.SUPPORTED) {
            if (l.equals(Locale.ENGLISH)) continue;
            Properties other = load("messages_" + l.getLanguage() + ".properties");
            assertThat(other.stringPropertyNames())
                    .as("keys of messages_%s", l.getLanguage())
                    .isEqualTo(english.stringPropertyNames());
            for (String key : english.stringPropertyNames()) {
                assertThat(other.getProperty(key)).as("%s in %s", key, l).isNotBlank();
                assertThat(placeholders(other.getProperty(key)))
                        .as("placeholders of %s in %s", key, l)
                        .isEqualTo(placeholders(english.getProperty(key)));
            }
        }
    }

    @Test
    void theStandardScopesAreDescribedInEveryLanguage() {
        for (Locale l : Messages.SUPPORTED) {
            var t = Messages.of(l);
            for (String scope : Set.of("openid", "profile", "email", "address", "phone", "offline_access"))
                assertThat(t.has("scope." + scope)).as("%s in %s", scope, l).isTrue();
        }
    }

    @Test
    void germanTextIsReadAsUtf8AndEnglishIsTheDefault() {
        assertThat(Messages.of(Locale.GERMAN).get("consent.intro", "App")).isEqualTo("App möchte:");
        assertThat(Messages.of(Locale.GERMAN).lang()).isEqualTo("de");
        assertThat(Messages.of(Locale.FRENCH).get("login.title")).isEqualTo("Sign in");
        assertThat(Messages.of(Locale.FRENCH).lang()).isEqualTo("en");
        assertThat(Messages.of(Locale.forLanguageTag("de-AT")).get("login.title"))
                .isEqualTo("Anmelden");
    }

    @Test
    void markupEscapesTheTextButInsertsItsHtmlArgumentsAsGiven() {
        var t = Messages.of(Locale.GERMAN);
        assertThat(t.markup("logout.confirm.client", Html.strong("<App> & Co")))
                .isEqualTo("<strong>&lt;App&gt; &amp; Co</strong> möchte Sie abmelden.");
        assertThat(Messages.of(Locale.ENGLISH).markup("authorize.account.current", Html.strong("a@b.example")))
                .isEqualTo("You are signed in as <strong>a@b.example</strong>.");
    }

    @Test
    void whenTheJvmDefaultLocaleIsGerman_thenEnglishStaysEnglish() {
        Locale before = Locale.getDefault();
        try {
            Locale.setDefault(Locale.GERMAN);
            assertThat(Messages.of(Locale.ENGLISH).get("login.title")).isEqualTo("Sign in");
        } finally {
            Locale.setDefault(before);
        }
    }

    @Test
    void argumentsAreFilledInOnePassAndEscapedForHtml() {
        var t = Messages.of(Locale.ENGLISH);
        assertThat(t.get("consent.intro", "{0} & {1}")).isEqualTo("{0} & {1} would like to:");
        assertThat(t.html("consent.intro", "<b>\"x\"</b>"))
                .isEqualTo("&lt;b&gt;&quot;x&quot;&lt;/b&gt; would like to:");
        assertThat(t.get("no.such.key")).isEqualTo("no.such.key");
        assertThat(Messages.fill("{0}{1}{2}", new String[] {"a", "b"})).isEqualTo("ab{2}");
    }

    @Test
    void uiLocalesWinsOverAcceptLanguage_andTheFirstSupportedTagWins() {
        assertThat(Messages.resolve("de", null, "en")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve("fr-CA de en", null, "en")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve("en de", null, "de")).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve("fr", null, "de")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve(null, "de-CH", "en")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve("en", "de", null)).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve(null, null, null)).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve("", "", "")).isEqualTo(Locale.ENGLISH);
    }

    @Test
    void acceptLanguageHonoursQValues() {
        assertThat(Messages.resolve(null, null, "en;q=0.5, de;q=0.9")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve(null, null, "fr-FR, fr;q=0.9, de;q=0.8, en;q=0.7"))
                .isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve(null, null, "de-DE,de;q=0.9,en-US;q=0.8")).isEqualTo(Locale.GERMAN);
        assertThat(Messages.resolve(null, null, "de;q=0, en;q=0.1")).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve(null, null, "de;q=0")).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve(null, null, "*")).isEqualTo(Locale.ENGLISH);
    }

    @Test
    void malformedOrHugeLanguageInputFallsBackToEnglish() {
        assertThat(Messages.resolve(null, null, "de;q=banana")).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve(null, null, ";;;,,,")).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve(null, null, "de," + "x".repeat(5000))).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve("\u0000<script>", null, null)).isEqualTo(Locale.ENGLISH);
        assertThat(Messages.resolve("de ".repeat(2000), null, null)).isEqualTo(Locale.ENGLISH);
    }

    @Test
    void uiLocalesIsFoundInTheCarriedAuthorizationRequest() {
        assertThat(Messages.uiLocalesIn("/oauth2/authorize?client_id=a&ui_locales=de%20en&state=x"))
                .isEqualTo("de en");
        assertThat(Messages.uiLocalesIn("/oauth2/authorize?client_id=a")).isNull();
        assertThat(Messages.uiLocalesIn("/oauth2/authorize?ui_locales=%zz")).isNull();
        assertThat(Messages.uiLocalesIn(null)).isNull();
    }
}
