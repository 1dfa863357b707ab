package dev.gatehouse.account;

import com.fasterxml.jackson.databind.node.TextNode;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;
import java.util.LinkedHashMap;
import java.util.Optional;

/**
 * The account page's profile form: the names, nickname and phone number that userinfo and ID tokens release (ADR
 * 0024), each checked as {@code PUT /oauth2/userinfo} checks it. A field left out of the post stays as it is; an
 * empty one clears its claim. It changes nothing about signing in, so it needs the page's CSRF token but not a recent
 * sign-in.
 */
final class AccountProfileRoutes implements RouteGroup {
    private final AccountSecurityRoutes page;
    private final AccountService accounts;

    AccountProfileRoutes(AccountSecurityRoutes page, AccountService accounts) {
        this.page = page;
        this.accounts = accounts;
    }

    @Override
    public void routes(Api api) {
        AccountFactorRoutes.post(
                api, "/profile", this::save, "Change the name, nickname and phone number", "profile_saved");
    }

    private void save(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        var changes = new LinkedHashMap<String, Optional<Object>>();
        var typed = new LinkedHashMap<String, String>();
        for (String claim : AccountPage.PROFILE_CLAIMS) {
            String value = ctx.formParam(claim);
            if (value != null) typed.put(claim, value.length() > 200 ? value.substring(0, 200) : value);
        }
        for (var field : typed.entrySet()) {
            try {
                changes.put(field.getKey(), UserClaims.check(field.getKey(), TextNode.valueOf(field.getValue())));
            } catch (IllegalArgumentException e) {
                // The page again with what was typed, the refused field marked: nothing is saved, nothing is lost.
                String key =
                        field.getKey().equals("phone_number") ? "account.error.phone" : "account.error.profile_name";
                page.overview(ctx, s.get(), 422, null, key, typed, field.getKey());
                return;
            }
        }
        if (!changes.isEmpty()) {
            var unused =
                    accounts.updateProfile(s.get().userId(), changes, page.web().info(ctx));
        }
        page.done(ctx, "profile_saved");
    }
}
