package dev.gatehouse.account;

import static dev.gatehouse.account.AccountPage.button;
import static dev.gatehouse.account.AccountPage.form;
import static dev.gatehouse.account.AccountPage.when;

import dev.gatehouse.account.AccountPage.Form;
import dev.gatehouse.account.AccountPage.Overview;
import dev.gatehouse.oauth.scopes.ScopeWords;
import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * The sections of {@code /account/security} on where the account is in use: the browsers signed in to it, the devices
 * that skip the second step, and the applications it gave access to; each item with a button that ends it.
 */
final class AccountAccessSections {
    private AccountAccessSections() {}

    /** The browsers signed in to the account; each but this one with a button that signs it out. */
    static void browsers(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"browsers-h\">\n<h2 id=\"browsers-h\">")
                .append(t.html("account.browsers.heading"))
                .append("</h2>\n<p>")
                .append(t.html("account.browsers.intro"))
                .append("</p>\n<ul>\n");
        for (int i = 0; i < o.browsers().size(); i++) {
            var s = o.browsers().get(i);
            String heading = "browser-" + i;
            b.append(itemHeading(
                            t,
                            heading,
                            s.userAgent(),
                            t.get("account.browsers.unknown"),
                            s.current() ? "account.browsers.this" : null))
                    .append("<p>")
                    .append(t.html(
                            "account.browsers.seen",
                            when(s.authTime()),
                            s.ip() == null ? "-" : s.ip(),
                            when(s.lastUsedAt())))
                    .append("</p>\n");
            if (!s.current())
                b.append(form(f, "/browsers/" + s.id() + "/sign-out"))
                        .append(button(t, "account.browsers.sign_out", heading))
                        .append("</form>\n");
            b.append("</li>\n");
        }
        b.append("</ul>\n</section>\n");
    }

    static void devices(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"devices-h\">\n<h2 id=\"devices-h\">")
                .append(t.html("account.devices.heading"))
                .append("</h2>\n");
        if (o.devices().isEmpty()) {
            b.append("<p>").append(t.html("account.devices.none")).append("</p>\n</section>\n");
            return;
        }
        b.append("<ul>\n");
        for (int i = 0; i < o.devices().size(); i++) {
            var d = o.devices().get(i);
            String base = "/devices/" + d.id();
            String heading = "device-" + i;
            b.append(itemHeading(t, heading, d.userAgent(), d.id(), d.current() ? "account.devices.this" : null))
                    .append("<p>")
                    .append(t.html("account.devices.seen", when(d.lastSeenAt()), d.ip() == null ? "-" : d.ip()))
                    .append("</p>\n");
            if (d.trusted())
                b.append("<p>")
                        .append(t.html("account.devices.trusted_until", when(d.trustedUntil())))
                        .append("</p>\n")
                        .append(form(f, base + "/untrust"))
                        .append(button(t, "account.devices.untrust", heading))
                        .append("</form>\n");
            b.append(form(f, base + "/remove"))
                    .append(button(t, "account.devices.remove", heading))
                    .append("</form>\n</li>\n");
        }
        b.append("</ul>\n</section>\n");
    }

    /**
     * The clients the user has consented to, each with what it may do (standard scopes in the visitor's language,
     * others as the administrator described them) and a form that removes its access.
     */
    static void apps(StringBuilder b, Messages t, Form f, Overview o) {
        b.append("<section aria-labelledby=\"apps-h\">\n<h2 id=\"apps-h\">")
                .append(t.html("account.apps.heading"))
                .append("</h2>\n");
        if (o.apps().isEmpty()) {
            b.append("<p>").append(t.html("account.apps.none")).append("</p>\n</section>\n");
            return;
        }
        b.append("<ul>\n");
        for (int i = 0; i < o.apps().size(); i++) {
            var a = o.apps().get(i);
            String heading = "app-" + i;
            b.append("<li>\n<h3 id=\"")
                    .append(heading)
                    .append("\">")
                    .append(Html.escape(a.name()))
                    .append("</h3>\n<p>")
                    .append(t.html("account.apps.granted", when(a.grantedAt())))
                    .append("</p>\n<ul aria-labelledby=\"")
                    .append(heading)
                    .append("\">\n");
            b.append(ScopeWords.listItems(t, a.scope()))
                    .append("\n</ul>\n")
                    .append(form(f, "/apps/" + URLEncoder.encode(a.clientId(), StandardCharsets.UTF_8) + "/revoke"))
                    .append(button(t, "account.apps.revoke", heading))
                    .append("</form>\n</li>\n");
        }
        b.append("</ul>\n</section>\n");
    }

    /**
     * A browser's or device's list item, opened with its heading: the browser and system its {@code User-Agent} names
     * ("Firefox on Linux"), with the whole header as the title; a header naming no browser it knows as it came; none
     * at all, {@code otherwise}; then {@code thisKey}'s words (null: none), for the visitor's own.
     */
    private static String itemHeading(Messages t, String id, String ua, String otherwise, String thisKey) {
        String name = ua == null || ua.isBlank() ? otherwise : ua;
        String title = "";
        var browser = UserAgents.browser(ua);
        if (browser.isPresent()) {
            var system = UserAgents.system(ua);
            name = system.isEmpty() ? browser.get() : t.get("account.agent", browser.get(), system.get());
            title = " title=\"" + Html.escape(ua) + "\"";
        }
        return "<li>\n<h3 id=\"" + id + "\"" + title + ">" + Html.escape(name)
                + (thisKey == null ? "" : " " + t.html(thisKey)) + "</h3>\n";
    }
}
