package dev.gatehouse.oauth.authorize;

import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A page whose form posts parameters by itself, with a script its CSP allows by hash alone, or when the user presses
 * its button without JavaScript: the response of OAuth 2.0 Form Post Response Mode (§2) to the client's redirect URI,
 * and a cross-site authorization request posted once more to this server. {@link AuthorizeRoutes} sends it.
 */
final class FormPostPage {
    private FormPostPage() {}

    /** The page's only script. */
    private static final String AUTO_SUBMIT = "document.forms[0].submit();";

    private static final String AUTO_SUBMIT_HASH = "'sha256-"
            + Base64.getEncoder().encodeToString(Secrets.digest(AUTO_SUBMIT.getBytes(StandardCharsets.UTF_8))) + "'";

    /** The page posting {@code params} to {@code target}; {@code noscriptKey} the message shown without JavaScript. */
    static String html(URI target, Map<String, List<String>> params, Messages t, String noscriptKey) {
        String fields = params.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(v -> Html.hidden(e.getKey(), v)))
                .collect(Collectors.joining());
        return """
                <!doctype html>
                <html lang="%s">
                <head>
                <meta charset="utf-8">
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title>
                </head>
                <body>
                <form method="post" action="%s">
                %s<noscript>
                <p>%s</p>
                <button type="submit">%s</button>
                </noscript>
                </form>
                <script>%s</script>
                </body>
                </html>
                """.formatted(
                        Html.escape(t.lang()),
                        t.html("authorize.form_post.title"),
                        Html.escape(target.toString()),
                        fields,
                        t.html(noscriptKey),
                        t.html("authorize.form_post.submit"),
                        AUTO_SUBMIT);
    }

    /** The page's CSP: its script by hash, its form only to {@code formAction}, never framed. */
    static String contentSecurityPolicy(String formAction) {
        return "default-src 'none'; script-src " + AUTO_SUBMIT_HASH + "; form-action " + formAction
                + "; frame-ancestors 'none'";
    }

    /** The redirect URI as a CSP source (no query; ';' and ',' percent-encoded so they cannot end the directive). */
    static String formActionSource(URI u) {
        if (u.getHost() == null) return u.getScheme() + ":";
        String path = Optional.ofNullable(u.getRawPath()).orElse("");
        path = path.replace(";", "%3B").replace(",", "%2C").replace(" ", "%20");
        return u.getScheme() + "://" + u.getHost() + (u.getPort() == -1 ? "" : ":" + u.getPort()) + path;
    }
}
