package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.openid.connect.sdk.OIDCError;
import dev.gatehouse.accounts.AccountService;
import dev.gatehouse.accounts.User;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.login.SsoSignIn;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * What the authorization endpoint does next with a checked request and the browser's SSO session (OIDC Core §3.1.2):
 * the first interaction the request still needs, in the order below, or the code once none is left. With
 * {@code prompt=none} an interaction is the client's error for it instead (OIDC Core §3.1.2.6). The routes turn a
 * {@link Step} into a page or a redirect.
 */
final class AuthorizationSteps {
    /** The next step of one authorization request. */
    sealed interface Step {
        /** {@code prompt=create}: the hosted registration page, then the sign-in. */
        record Register() implements Step {}

        /** The hosted login; only a sign-in from then on counts for this request. */
        record SignIn() implements Step {}

        /** An administrator asked this user for a new password: no client hears of the sign-in before it is chosen. */
        record ChangePassword() implements Step {}

        /** The hosted second step for a stronger {@code acr} the user can reach (ADR 0006). */
        record StepUp() implements Step {}

        /** {@code prompt=select_account}: the signed-in account named, to continue with or sign in as another. */
        record SelectAccount(User user) implements Step {}

        /** The consent page. */
        record Consent() implements Step {}

        /** The client hears {@code error} at its redirect URI. */
        record Refuse(ErrorObject error) implements Step {}

        /** A code for {@code session}'s user. */
        record Issue(SsoSession session) implements Step {}
    }

    static final ErrorObject NO_REGISTRATION = OAuth2Error.INVALID_REQUEST.setDescription(
            "prompt=create is not offered: accounts cannot be created on this server");
    static final ErrorObject UNMET = new ErrorObject(
            "unmet_authentication_requirements", "no requested authentication context class can be met", 302);

    private final AuthorizeService authorize;
    private final ConsentService consent;
    private final SsoService sso;
    private final SsoSignIn signIn;
    private final AccountService accounts;

    AuthorizationSteps(
            AuthorizeService authorize,
            ConsentService consent,
            SsoService sso,
            SsoSignIn signIn,
            AccountService accounts) {
        this.authorize = authorize;
        this.consent = consent;
        this.sso = sso;
        this.signIn = signIn;
        this.accounts = accounts;
    }

    Step next(AuthorizeService.Request r, Optional<SsoSession> session) {
        boolean none = r.prompt().contains("none");
        if (r.prompt().contains("create")
                && !session.map(s -> AuthorizeService.signedInForThisRequest(r, s))
                        .orElse(false)) {
            // Initiating User Registration via OpenID Connect 1.0: only a sign-in after now (the new account's)
            // continues the request, so a browser signed in already is asked too. Where accounts cannot be created
            // here the client hears invalid_request, as that specification asks for a prompt value not offered.
            return accounts.registrationEnabled() ? new Step.Register() : new Step.Refuse(NO_REGISTRATION);
        }
        if (session.isEmpty()) return signIn(none);
        SsoSession s = session.get();
        boolean fresh = AuthorizeService.signedInForThisRequest(r, s);
        if (r.hintedSubject().isPresent()
                && !r.hintedSubject().get().equals(s.userId().toString())) {
            // OIDC Core §3.1.2.1 id_token_hint: another user is signed in here. The hinted user signs in; without
            // interaction, or when this request's own sign-in was someone else's, the client hears login_required.
            return signIn(none || fresh);
        }
        if (r.hintedSubject().isEmpty()
                && r.loginHint().isPresent()
                && !fresh
                && !hintNames(r.loginHint().get(), s.userId())) {
            // OIDC Core §3.1.2.1 login_hint: the client expects another account than the one signed in here. That
            // account signs in (the hint prefills the field); without interaction the client hears login_required
            // instead of getting a code for someone else. Whoever then signs in gets the code: the hint is a hint.
            return signIn(none);
        }
        if (!fresh && (r.prompt().contains("login") || authorize.tooOld(r, s))) return signIn(none);
        if (sso.mustChangePassword(s))
            return none ? new Step.Refuse(OIDCError.INTERACTION_REQUIRED) : new Step.ChangePassword();
        String achieved = Acr.achievedBy(s.amr());
        boolean acrUnmet = !r.acrValues().isEmpty()
                && Acr.satisfied(achieved, r.acrValues()).isEmpty();
        if (acrUnmet && Acr.reachableBySigningIn(achieved, r.acrValues()) && signIn.canStepUp(s))
            return none ? new Step.Refuse(OIDCError.LOGIN_REQUIRED) : new Step.StepUp();
        // acr_values are voluntary (OIDC Core §5.5.1.1), but without interaction nothing can meet them.
        if (none && acrUnmet) return new Step.Refuse(UNMET);
        if (r.prompt().contains("select_account") && !fresh && !r.interaction().accountSelected()) {
            // The choice names the user; an account gone since the session was read signs in again.
            return accounts.find(s.userId()).<Step>map(Step.SelectAccount::new).orElseGet(Step.SignIn::new);
        }
        var prompt = r.interaction().consentShown()
                ? r.prompt().stream().filter(p -> !p.equals("consent")).collect(Collectors.toSet())
                : r.prompt();
        if (consent.needed(s.userId(), r.client(), r.scope(), prompt))
            return none ? new Step.Refuse(OIDCError.CONSENT_REQUIRED) : new Step.Consent();
        return new Step.Issue(s);
    }

    private static Step signIn(boolean refuse) {
        return refuse ? new Step.Refuse(OIDCError.LOGIN_REQUIRED) : new Step.SignIn();
    }

    /** True if {@code hint} names the user: their email address (in any case) or their subject identifier. */
    private boolean hintNames(String hint, UUID userId) {
        String h = hint.trim();
        return h.equalsIgnoreCase(userId.toString())
                || accounts.findRecent(userId)
                        .map(u -> h.equalsIgnoreCase(u.email()))
                        .orElse(false);
    }
}
