package dev.gatehouse.oidc;

import com.nimbusds.jwt.JWTClaimsSet;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.login.SsoService;
import dev.gatehouse.login.SsoSession;
import dev.gatehouse.oauth.authorize.CodeRedemption;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.Database;
import dev.gatehouse.platform.http.RequestInfo;
import dev.gatehouse.sessions.EndedSession;
import dev.gatehouse.sessions.SessionService;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Collectors;
import org.jdbi.v3.core.Handle;

/**
 * OpenID Connect logout: RP-Initiated Logout 1.0 (which client asks, where to send the browser afterwards), ending the
 * SSO session with every session whose tokens were issued in it, and telling the clients that took part through
 * Front-Channel Logout 1.0 (iframes on the signed-out page) and Back-Channel Logout 1.0 (logout tokens POSTed by
 * {@link BackChannelLogout}).
 */
public final class LogoutService {
    /** A checked logout request; nothing in it came unverified from the browser. */
    public record Request(
            Optional<OAuthClient> client,
            Optional<URI> postLogoutRedirect,
            Optional<String> state,
            Optional<JWTClaimsSet> hint,
            Optional<String> uiLocales) {}

    public sealed interface Checked {
        /**
         * Not trustworthy: shown on an error page, the browser is sent nowhere. The page shows {@code key} from the
         * message bundle ({@code logout.error.*}) with {@code args}.
         */
        record Invalid(String key, List<String> args) implements Checked {
            public Invalid(String key, String... args) {
                this(key, List.of(args));
            }
        }

        record Valid(Request request) implements Checked {}
    }

    /** A front-channel logout iframe for one client. */
    public record FrontChannel(String clientId, URI uri) {}

    private final Database db;
    private final SsoService sso;
    private final CodeRedemption codes;
    private final SessionService sessions;
    private final ClientService clients;
    private final IdTokenService idTokens;
    private final BackChannelLogout backChannel;
    private final AuditLog audit;
    private final Secrets secrets;
    private final String issuer;

    public LogoutService(
            Database db,
            SsoService sso,
            CodeRedemption codes,
            SessionService sessions,
            ClientService clients,
            IdTokenService idTokens,
            BackChannelLogout backChannel,
            AuditLog audit,
            Secrets secrets,
            String issuer) {
        this.db = db;
        this.sso = sso;
        this.codes = codes;
        this.sessions = sessions;
        this.clients = clients;
        this.idTokens = idTokens;
        this.backChannel = backChannel;
        this.audit = audit;
        this.secrets = secrets;
        this.issuer = issuer;
    }

    private static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) return null;
        if (v.size() > 1) throw new IllegalArgumentException(name);
        return v.get(0);
    }

    /** RP-Initiated Logout §2 and §3: the client, from id_token_hint's audience or client_id, and its exact URI. */
    public Checked check(Map<String, List<String>> params) {
        String hintParam;
        String clientId;
        String redirect;
        String state;
        String uiLocales;
        try {
            hintParam = single(params, "id_token_hint");
            clientId = single(params, "client_id");
            redirect = single(params, "post_logout_redirect_uri");
            state = single(params, "state");
            uiLocales = single(params, "ui_locales");
        } catch (IllegalArgumentException e) {
            return new Checked.Invalid("logout.error.repeated", e.getMessage());
        }
        Optional<JWTClaimsSet> hint = Optional.empty();
        Optional<OAuthClient> client = Optional.empty();
        if (hintParam != null && !hintParam.isEmpty()) {
            hint = idTokens.verifyHint(hintParam);
            // An ID token of ours whose key has since been retired (the client kept it longer than the key was
            // published) still names its client, for the post-logout redirect; but, unverified, it is no hint: the
            // user confirms, as without one.
            var named = hint.isPresent() ? hint : idTokens.staleHint(hintParam);
            if (named.isEmpty()) return new Checked.Invalid("logout.error.foreign_id_token");
            List<String> aud = named.get().getAudience();
            String azp = (String) named.get().getClaim("azp");
            String hintClient = azp != null ? azp : aud != null && aud.size() == 1 ? aud.get(0) : null;
            client = Optional.ofNullable(hintClient).flatMap(clients::find);
            if (client.isEmpty()) return new Checked.Invalid("logout.error.id_token_no_client");
            if (clientId != null && !clientId.equals(hintClient))
                return new Checked.Invalid("logout.error.two_clients");
        } else if (clientId != null) {
            client = clients.find(clientId);
            if (client.isEmpty()) return new Checked.Invalid("logout.error.unknown_client");
        }
        Optional<URI> target = Optional.empty();
        if (redirect != null) {
            if (client.isEmpty()) return new Checked.Invalid("logout.error.redirect_without_client");
            var registered = client.get().metadata().getPostLogoutRedirectionURIs();
            // RP-Initiated Logout §3: must exactly match a registered post_logout_redirect_uris value.
            target = registered == null
                    ? Optional.empty()
                    : registered.stream()
                            .filter(u -> u.toString().equals(redirect))
                            .findFirst();
            if (target.isEmpty()) return new Checked.Invalid("logout.error.redirect_mismatch");
        }
        if (state != null && state.length() > 2000) return new Checked.Invalid("logout.error.state_too_long");
        if (uiLocales != null && uiLocales.length() > 200)
            return new Checked.Invalid("logout.error.ui_locales_too_long");
        return new Checked.Valid(
                new Request(client, target, Optional.ofNullable(state), hint, Optional.ofNullable(uiLocales)));
    }

    /**
     * Whether the user must confirm. Not when the request carries an ID token issued in this very SSO session (same
     * user, and its {@code sid} is one of the session's): only the client the user signed in to holds that token, so
     * the request is that client's and not a forged cross-site one. Any other request is confirmed first (as
     * Keycloak does), because a logout URL without such a hint can be triggered by any site.
     */
    public boolean needsConfirmation(Request r, SsoSession session) {
        if (r.hint().isEmpty()) return true;
        JWTClaimsSet hint = r.hint().get();
        if (!session.userId().toString().equals(hint.getSubject())) return true;
        Object sid = hint.getClaim("sid");
        if (!(sid instanceof String s)) return true;
        return db.withHandle(h -> codes.participants(h, session.id())).stream()
                .noneMatch(p -> p.sessionId().toString().equals(s));
    }

    /**
     * Ends the SSO session, every session (and so every refresh and access token) issued in it but those granted
     * {@code offline_access}, and the codes not yet redeemed; queues back-channel logout tokens; returns the
     * front-channel iframes the signed-out page must show.
     */
    public List<FrontChannel> logout(SsoSession session, Optional<OAuthClient> initiator, RequestInfo info) {
        List<CodeRedemption.Participant> participants = db.inTransaction(h -> {
            // Two logouts racing for one session: only the one that ends it ends the rest and tells the clients.
            if (!sso.end(h, session.id())) return List.<CodeRedemption.Participant>of();
            List<CodeRedemption.Participant> ps = codes.participants(h, session.id());
            codes.spendUnusedCodes(h, session.id());
            int ended = 0;
            int kept = 0;
            for (var p : ps) {
                // Back-Channel Logout §2.7: a refresh token granted offline_access is for use while the user is not
                // signed in (OIDC Core §11), so it outlives the browser's sign-in; the client is still told.
                if (p.offline()) kept++;
                else if (sessions.end(h, p.sessionId(), "logout")) ended++;
            }
            var details = new LinkedHashMap<String, Object>();
            initiator.ifPresent(c -> details.put("client_id", c.clientId()));
            details.put("sessions_ended", ended);
            if (kept > 0) details.put("offline_sessions_kept", kept);
            // Which browser sign-in ended: the account page signs out other browsers than the asking one.
            details.put("sso_session_id", session.id().toString());
            audit.record(h, AuditEvent.success("sso.logout", session.userId()).details(details), info);
            return ps;
        });
        var frames = new ArrayList<FrontChannel>();
        var framedClients = new java.util.HashSet<String>();
        for (var p : participants) {
            Optional<OAuthClient> found = clients.find(p.clientId());
            if (found.isEmpty()) continue;
            var meta = found.get().metadata();
            tellBackChannel(found.get(), session.userId(), p.sessionId());
            URI front = meta.getFrontChannelLogoutURI();
            if (front != null) {
                if (meta.requiresFrontChannelLogoutSession()) {
                    // Front-Channel Logout §2: iss and sid, the sid the client saw in its ID token.
                    frames.add(new FrontChannel(
                            p.clientId(),
                            withQuery(
                                    front,
                                    Map.of("iss", issuer, "sid", p.sessionId().toString()))));
                } else if (framedClients.add(p.clientId())) {
                    frames.add(new FrontChannel(p.clientId(), front));
                }
            }
        }
        return frames;
    }

    /**
     * When every session of a user ends at once ({@link SessionService#endAll}: password reset or change, "sign out
     * everywhere", an address proven by its owner), the browser sign-ins end too, so that no browser gets new tokens
     * without signing in again; their codes not yet redeemed are spent; and once the transaction commits, each client
     * with a back-channel logout URI is told of its sessions that ended (Back-Channel Logout 1.0 §2.5: the OP's session
     * ended, whatever ended it).
     */
    public void endedEverywhere(Handle h, UUID userId, List<EndedSession> ended) {
        for (UUID ssoSession : sso.endAll(h, userId)) codes.spendUnusedCodes(h, ssoSession);
        // One client lookup per client: the /v1 API's sessions all name the same id, which no registered client has.
        Map<String, List<EndedSession>> byClient = ended.stream()
                .collect(Collectors.groupingBy(EndedSession::clientId, LinkedHashMap::new, Collectors.toList()));
        Database.afterCommit(h, () -> {
            for (var e : byClient.entrySet()) {
                Optional<OAuthClient> client = clients.find(e.getKey());
                if (client.isEmpty()) continue;
                for (EndedSession s : e.getValue()) tellBackChannel(client.get(), userId, s.id());
            }
        });
    }

    /** Queues a logout token for the session to the client's back-channel logout URI, if it has one. */
    private void tellBackChannel(OAuthClient client, UUID userId, UUID sessionId) {
        URI uri = client.metadata().getBackChannelLogoutURI();
        if (uri == null) return;
        String token = idTokens.logoutToken(
                client, userId.toString(), sessionId, UUID.randomUUID().toString());
        backChannel.send(client.clientId(), uri, token);
    }

    /** Where the browser goes after logout: the registered URI with {@code state} added (RP-Initiated Logout §3). */
    public Optional<URI> returnTo(Request r) {
        return r.postLogoutRedirect()
                .map(u -> r.state().isEmpty()
                        ? u
                        : withQuery(u, Map.of("state", r.state().get())));
    }

    static URI withQuery(URI base, Map<String, String> params) {
        var sb = new StringBuilder(base.toString());
        String fragment = null;
        int hash = sb.indexOf("#");
        if (hash >= 0) {
            fragment = sb.substring(hash);
            sb.setLength(hash);
        }
        char sep = base.getRawQuery() == null ? '?' : '&';
        for (var e : new java.util.TreeMap<>(params).entrySet()) {
            sb.append(sep)
                    .append(URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8))
                    .append('=')
                    .append(URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8));
            sep = '&';
        }
        if (fragment != null) sb.append(fragment);
        return URI.create(sb.toString());
    }

    /** A fresh CSRF token for the confirmation form. */
    public String csrfToken() {
        return secrets.token("");
    }
}
