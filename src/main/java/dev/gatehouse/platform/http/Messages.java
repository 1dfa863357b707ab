package dev.gatehouse.platform.http;

import io.javalin.http.Context;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.MissingResourceException;
import java.util.ResourceBundle;

/**
 * The words of the hosted pages, in the language the visitor asked for.
 *
 * <p>One API for every page: {@code Messages t = Messages.of(ctx);} then {@code t.get("login.title")} or
 * {@code t.get("consent.intro", clientName)} for text ({@code {0}}, {@code {1}} … are replaced by the arguments, nothing
 * else is special, so apostrophes need no quoting), and {@code Html.page(t, t.get("login.title"), body)} for the page
 * (it sets {@code <html lang>}). Text is plain: escape it with {@link Html#escape} or use {@link #html} which escapes
 * the text and the arguments.
 *
 * <p>The texts live in {@code src/main/resources/i18n/messages.properties} (English, also the fallback for a key a
 * translation lacks) and {@code messages_<language>.properties} (UTF-8). To add a language, add its file and its
 * {@link Locale} to {@link #SUPPORTED}; {@code MessagesTest} checks that every file has exactly the English keys and
 * placeholders.
 *
 * <p>The language is the first supported one of: the {@code ui_locales} parameter of the request (query or form; OIDC
 * Core §3.1.2.1, space-separated, first supported wins), the {@code ui_locales} inside the pending authorization
 * request carried in {@code return_to}, the {@code Accept-Language} header (RFC 9110 §12.5.4, q-values honoured), else
 * English.
 */
public final class Messages {
    /** English first: it is the default and the fallback. */
    public static final List<Locale> SUPPORTED = List.of(Locale.ENGLISH, Locale.GERMAN);

    private static final int MAX_HEADER = 1000;
    private static final ResourceBundle.Control NO_FALLBACK =
            ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES);

    private final Locale locale;
    private final ResourceBundle bundle;

    private Messages(Locale locale) {
        this.locale = locale;
        // Root bundle = English; never the JVM's default locale (NO_FALLBACK), so servers in any locale behave alike.
        this.bundle = ResourceBundle.getBundle("i18n.messages", locale, NO_FALLBACK);
    }

    /** The messages in a supported language (anything else gives English). */
    public static Messages of(Locale locale) {
        Locale chosen = SUPPORTED.stream()
                .filter(l -> l.getLanguage().equals(locale.getLanguage()))
                .findFirst()
                .orElse(Locale.ENGLISH);
        return new Messages(chosen);
    }

    /** The messages for this request (see the class comment for the order). */
    public static Messages of(Context ctx) {
        return of(
                resolve(param(ctx, "ui_locales"), uiLocalesIn(param(ctx, "return_to")), ctx.header("Accept-Language")));
    }

    /**
     * The messages for this request when the server already holds the request's {@code ui_locales} (e.g. a pushed
     * authorization request): its first supported language wins, else as {@link #of(Context)}.
     */
    public static Messages of(Context ctx, String uiLocales) {
        Locale l = fromUiLocales(uiLocales);
        return l != null ? of(l) : of(ctx);
    }

    /** The language for the given {@code ui_locales} values (each may be null) and {@code Accept-Language}. */
    public static Locale resolve(String uiLocales, String returnToUiLocales, String acceptLanguage) {
        for (String ui : new String[] {uiLocales, returnToUiLocales}) {
            Locale l = fromUiLocales(ui);
            if (l != null) return l;
        }
        Locale l = fromAcceptLanguage(acceptLanguage);
        return l == null ? Locale.ENGLISH : l;
    }

    /** OIDC Core §3.1.2.1: a space-separated list of BCP 47 tags in order of preference. */
    static Locale fromUiLocales(String uiLocales) {
        if (uiLocales == null || uiLocales.length() > MAX_HEADER) return null;
        for (String tag : uiLocales.trim().split(" +", -1)) {
            Locale l = supported(Locale.forLanguageTag(tag).getLanguage());
            if (l != null) return l;
        }
        return null;
    }

    static Locale fromAcceptLanguage(String header) {
        if (header == null || header.isBlank() || header.length() > MAX_HEADER) return null;
        List<Locale.LanguageRange> ranges;
        try {
            ranges = Locale.LanguageRange.parse(header);
        } catch (IllegalArgumentException e) {
            return null; // a malformed header is as good as none
        }
        // parse() sorts by q (highest first, stable) and drops q=0; "*" and unknown languages match nothing.
        for (var r : ranges) {
            if (r.getWeight() <= 0) continue;
            String lang = r.getRange().split("-", 2)[0];
            Locale l = supported(lang);
            if (l != null) return l;
        }
        return null;
    }

    private static Locale supported(String language) {
        return SUPPORTED.stream()
                .filter(l -> l.getLanguage().equalsIgnoreCase(language))
                .findFirst()
                .orElse(null);
    }

    /** The {@code ui_locales} of the pending authorization request a page carries in {@code return_to}. */
    static String uiLocalesIn(String returnTo) {
        if (returnTo == null || returnTo.length() > 8000) return null;
        int q = returnTo.indexOf('?');
        if (q < 0) return null;
        for (String pair : returnTo.substring(q + 1).split("&", -1)) {
            if (pair.startsWith("ui_locales=")) {
                try {
                    return URLDecoder.decode(pair.substring("ui_locales=".length()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException e) {
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * The request's own {@code ui_locales} parameter (query or form), for a page to carry along in a hidden field or
     * link; empty unless it is a short list of language tags.
     */
    public static String uiLocales(Context ctx) {
        String v = param(ctx, "ui_locales");
        return v == null || v.length() > 200 || !v.matches("[A-Za-z0-9 \\-]*") ? "" : v;
    }

    private static String param(Context ctx, String name) {
        String v = ctx.queryParam(name);
        if (v == null && FormEndpoint.isForm(ctx.header("Content-Type"))) {
            try {
                v = ctx.formParam(name);
            } catch (RuntimeException e) {
                return null; // an unreadable body is reported by the route itself
            }
        }
        return v;
    }

    public Locale locale() {
        return locale;
    }

    /** The BCP 47 tag for {@code <html lang>}. */
    public String lang() {
        return locale.toLanguageTag();
    }

    public boolean has(String key) {
        return bundle.containsKey(key);
    }

    /** The text for {@code key} with {@code {0}}, {@code {1}} … replaced; a missing key shows as itself. */
    public String get(String key, Object... args) {
        String[] values = new String[args.length];
        for (int i = 0; i < args.length; i++) values[i] = String.valueOf(args[i]);
        return fill(template(key), values);
    }

    /** Like {@link #get}, HTML-escaped (the arguments too). */
    public String html(String key, Object... args) {
        String[] values = new String[args.length];
        for (int i = 0; i < args.length; i++) values[i] = Html.escape(String.valueOf(args[i]));
        return fill(Html.escape(template(key)), values);
    }

    /**
     * The HTML-escaped text with arguments that are already HTML, inserted as given (e.g.
     * {@code t.markup("x", "<strong>" + Html.escape(name) + "</strong>")}): for text with emphasis inside it.
     */
    public String markup(String key, String... safeHtml) {
        return fill(Html.escape(template(key)), safeHtml.clone());
    }

    private String template(String key) {
        try {
            return bundle.getString(key);
        } catch (MissingResourceException e) {
            return key;
        }
    }

    /** One pass, so an argument that itself contains {@code {1}} is never expanded. */
    static String fill(String template, String[] values) {
        if (values.length == 0) return template;
        var b = new StringBuilder(template.length() + 32);
        int i = 0;
        while (i < template.length()) {
            char c = template.charAt(i);
            int close = c == '{' ? template.indexOf('}', i) : -1;
            if (close > i + 1 && close - i <= 3) {
                String n = template.substring(i + 1, close);
                if (n.chars().allMatch(Character::isDigit) && Integer.parseInt(n) < values.length) {
                    b.append(values[Integer.parseInt(n)]);
                    i = close + 1;
                    continue;
                }
            }
            b.append(c);
            i++;
        }
        return b.toString();
    }
}
