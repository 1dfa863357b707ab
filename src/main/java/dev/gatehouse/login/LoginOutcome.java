package dev.gatehouse.login;

import java.util.List;

/**
 * What a step of the hosted sign-in ends in ({@link SsoSignIn}). {@link SignedIn} is also what opening or renewing an
 * SSO session gives ({@link SsoService#complete}): the session and the value of the browser's new cookie.
 */
public sealed interface LoginOutcome {
    record SignedIn(SsoSession session, String cookieValue) implements LoginOutcome {}

    record Refused() implements LoginOutcome {}

    /** The credentials were right, but {@code GATEHOUSE_REQUIRE_VERIFIED_EMAIL} holds back an unverified account. */
    record EmailNotVerified() implements LoginOutcome {}

    /** The password was right and a second factor is due: the page asks for it with this mfa_token. */
    record MfaRequired(String mfaToken, List<String> methods) implements LoginOutcome {}
}
