package dev.gatehouse.oidc;

import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.accounts.UserClaims;
import dev.gatehouse.oauth.scopes.ScopeService;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

/**
 * The claims about a user that a granted scope releases (OIDC Core §5.4, and the scopes table for the others, ADR
 * 0024): {@code sub}, and each claim a granted scope names that the user has a value for. Userinfo answers with them;
 * ID tokens from the token endpoint carry them too.
 */
public final class ReleasedClaims {
    private final AccountService accounts;
    private final ScopeService scopes;

    public ReleasedClaims(AccountService accounts, ScopeService scopes) {
        this.accounts = accounts;
        this.scopes = scopes;
    }

    public Map<String, Object> of(User u, Set<String> granted) {
        var released = scopes.claimsOf(granted);
        return UserClaims.of(u, claim -> claim.equals("sub") || released.contains(claim));
    }

    /** As {@link #of(User, Set)} for the user with this id, read within {@link AccountService#RECENT}; empty if gone. */
    public Map<String, Object> of(UUID userId, Set<String> granted) {
        return accounts.findRecent(userId).map(u -> of(u, granted)).orElse(Map.of());
    }
}
