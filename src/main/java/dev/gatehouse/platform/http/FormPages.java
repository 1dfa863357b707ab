package dev.gatehouse.platform.http;

import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.ratelimit.RateLimiter.Rule;
import io.javalin.http.Context;

/**
 * Server-rendered form pages of the hosted flows: a form page with its CSRF token (double submit, {@link FormCsrf}) and
 * the visitor's language carried along, a page of one message, the caller's request information in the page's
 * language, and a rate limit answered as a page instead of an RFC 9457 problem.
 */
public final class FormPages {
    private final Web web;
    private final Secrets secrets;
    /** The pages' CSRF cookie. */
    public final FormCsrf csrf;

    public FormPages(Web web, Secrets secrets, FormCsrf csrf) {
        this.web = web;
        this.secrets = secrets;
        this.csrf = csrf;
    }

    /** The caller, speaking the page's language: the mails these pages send speak it too. */
    public RequestInfo pageInfo(Context ctx) {
        return web.info(ctx).inLanguage(Messages.of(ctx).locale());
    }

    /** A form page: {@code fields} and {@code after} are markup; {@code errorKey} a message key or null. */
    public void form(
            Context ctx,
            int status,
            String titleKey,
            String introKey,
            String errorKey,
            String action,
            String fields,
            String submitKey,
            String after) {
        var t = Messages.of(ctx);
        String token = csrf.forPage(ctx, () -> secrets.token(""));
        String body = (errorKey == null ? "" : Html.alert(t.get(errorKey)))
                + "<p>" + t.html(introKey) + "</p>\n"
                + "<form method=\"post\" action=\"" + action + "\">\n"
                + Html.hidden(FormCsrf.FIELD, token)
                // The page's language goes along, so the answer and the mail it sends speak it too.
                + (Messages.uiLocales(ctx).isBlank() ? "" : Html.hidden("ui_locales", Messages.uiLocales(ctx)))
                + fields
                + "<button type=\"submit\">" + t.html(submitKey) + "</button>\n"
                + "</form>\n"
                + after;
        Html.send(ctx, status, Html.page(t, t.get(titleKey), body));
    }

    /** A page of one message ({@code textKey}) and optional markup after it. */
    public void message(Context ctx, int status, String titleKey, String textKey, String... after) {
        var t = Messages.of(ctx);
        csrf.clear(ctx);
        String body = (status >= 400 ? Html.alert(t.get(textKey)) : "<p>" + t.html(textKey) + "</p>\n")
                + String.join("", after);
        Html.send(ctx, status, Html.page(t, t.get(titleKey), body));
    }

    /**
     * Applies {@code rule} (keyed also by {@code accountKeys}); on a refusal sets {@code Retry-After}, shows the page
     * {@code refused} draws and answers false.
     */
    public boolean limited(Context ctx, Rule rule, Runnable refused, String... accountKeys) {
        try {
            web.limit(ctx, rule, accountKeys);
            return true;
        } catch (Problem p) {
            if (p.status() != 429) throw p;
            p.headers().forEach(ctx::header);
            refused.run();
            return false;
        }
    }
}
