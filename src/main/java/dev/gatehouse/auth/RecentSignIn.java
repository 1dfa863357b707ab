package dev.gatehouse.auth;

import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.sessions.SessionService;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * The step-up check of the /v1 API's factor changes: adding or removing a second factor and making new backup codes
 * need a sign-in of the last {@link #WINDOW}, as on the hosted account page (ADR 0011). A stolen or long-kept access
 * token alone (refreshed for days) can then neither remove the owner's factors nor add the thief's. The sign-in is the
 * token's session: /v1 sessions start at a completed sign-in, and refreshing keeps the session.
 *
 * <p>A refusal is RFC 9470's challenge: 401 {@code insufficient_user_authentication} with {@code max_age}, so a client
 * knows to sign the user in again and repeat the call with the new token.
 */
public final class RecentSignIn {
    public static final Duration WINDOW = Duration.ofMinutes(15);

    /** What the OpenAPI document says such a call may answer. */
    public static final String REFUSAL =
            "insufficient_user_authentication (RFC 9470): needs a sign-in of the last 15 minutes; sign in again";

    private final SessionService sessions;
    private final Clock clock;

    public RecentSignIn(SessionService sessions, Clock clock) {
        this.sessions = sessions;
        this.clock = clock;
    }

    /** Throws the RFC 9470 challenge unless {@code p}'s session began within {@link #WINDOW}. */
    public void require(Principal p) {
        Instant now = clock.instant();
        boolean recent = p.sessionId()
                .flatMap(sessions::find)
                .filter(s -> s.activeAt(now) && !now.isAfter(s.createdAt().plus(WINDOW)))
                .isPresent();
        if (recent) return;
        throw new Problem(
                        401,
                        "insufficient_user_authentication",
                        "Unauthorized",
                        "This needs a sign-in of the last 15 minutes: sign in again and repeat the request with the"
                                + " new access token",
                        null)
                .withHeader(
                        "WWW-Authenticate",
                        "Bearer error=\"insufficient_user_authentication\", error_description=\"A sign-in of the last"
                                + " 15 minutes is needed\", max_age=" + WINDOW.toSeconds());
    }
}
