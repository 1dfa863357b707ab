package dev.gatehouse;

import dev.gatehouse.auth.AuthService;
import dev.gatehouse.oauth.TokenRoutes;
import dev.gatehouse.oauth.authorize.AuthorizationRequests;
import dev.gatehouse.oauth.authorize.AuthorizeService;
import dev.gatehouse.oauth.authorize.CodeRedemption;
import dev.gatehouse.oauth.authorize.ConsentService;
import dev.gatehouse.oauth.authorize.JdbiCodeStore;
import dev.gatehouse.oauth.authorize.JdbiConsentStore;
import dev.gatehouse.oauth.authorize.JdbiParStore;
import dev.gatehouse.oauth.clients.ClientAssertions;
import dev.gatehouse.oauth.clients.ClientRegistrations;
import dev.gatehouse.oauth.clients.ClientRevocation;
import dev.gatehouse.oauth.clients.ClientRoutes;
import dev.gatehouse.oauth.clients.ClientService;
import dev.gatehouse.oauth.clients.InitialAccessTokenRoutes;
import dev.gatehouse.oauth.clients.InitialAccessTokens;
import dev.gatehouse.oauth.clients.JdbiClientStore;
import dev.gatehouse.oauth.clients.JdbiInitialAccessTokenStore;
import dev.gatehouse.oauth.clients.RegistrationRoutes;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.oauth.device.DeviceService;
import dev.gatehouse.oauth.device.JdbiDeviceStore;
import dev.gatehouse.oauth.scopes.JdbiScopeStore;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.oauth.token.AuthorizationCodeGrantHandler;
import dev.gatehouse.oauth.token.ClientCredentialsGrantHandler;
import dev.gatehouse.oauth.token.DeviceCodeGrantHandler;
import dev.gatehouse.oauth.token.DpopSessionBindings;
import dev.gatehouse.oauth.token.RefreshTokenGrantHandler;
import dev.gatehouse.oauth.token.SessionGrants;
import dev.gatehouse.oauth.token.TokenEndpoint;
import dev.gatehouse.oauth.token.TokenExchangeGrantHandler;
import dev.gatehouse.oauth.token.UserTokens;
import dev.gatehouse.oidc.BackChannelLogout;
import dev.gatehouse.oidc.IdTokenService;
import dev.gatehouse.oidc.LogoutService;
import dev.gatehouse.oidc.ReleasedClaims;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.db.ReplayCache;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.sessions.SessionService;
import dev.gatehouse.tokens.DpopProofs;
import dev.gatehouse.tokens.RevocationList;
import dev.gatehouse.tokens.TokenIntrospector;
import java.time.Duration;
import java.util.List;

/**
 * The third part of {@link App}'s wiring: OAuth 2.1 and OpenID Connect on top of the accounts. It builds scopes,
 * clients and their registration, the token check every API call goes through, authorization requests, codes and
 * consent, the device flow, the token endpoint with its grant handlers, and OIDC logout; and registers the routes of
 * the token endpoint, client management and registration. The store it keeps in a field is there for {@link App}'s
 * cleanup job.
 */
final class OAuthWiring {
    final RevocationList revocations;
    final ScopeService scopes;
    final ClientService clients;
    final TokenIntrospector introspector;
    final DpopProofs dpop;
    final AuthorizationRequests requests;
    final AuthorizeService authorize;
    final JdbiDeviceStore deviceStore;
    final DeviceService devices;
    final ReleasedClaims releasedClaims;
    final TokenEndpoint tokenEndpoint;
    final ConsentService consent;
    final InitialAccessTokens initialAccessTokens;
    final BackChannelLogout backChannelLogout;
    final LogoutService logout;
    private final SessionService sessions;
    private final SessionGrants sessionGrants;
    private final ClientRegistrations clientRegistrations;
    private final ClientRevocation clientRevocation;
    private final Config config;

    OAuthWiring(Config config, Secrets secrets, PlatformWiring platform, IdentityWiring identity) {
        this.config = config;
        var db = platform.db();
        var clock = platform.clock();
        var audit = platform.audit();
        var sessions = identity.sessions;
        var accessTokens = identity.accessTokens;
        this.sessions = sessions;
        this.revocations = new RevocationList(db, clock, Duration.ofSeconds(1), platform.clusterEvents());
        // Sender-constrained clients: private_key_jwt (RFC 7523) and DPoP (RFC 9449), one-time jti in the database.
        var replays = new ReplayCache(db, clock);
        var scopes = new ScopeService(db, new JdbiScopeStore(), audit, clock, Duration.ofSeconds(30));
        this.scopes = scopes;
        var clientStore = new JdbiClientStore();
        var clients = new ClientService(
                db,
                clientStore,
                clock,
                new ClientAssertions(config.issuer(), config.clientAssertionEndpointAudience(), replays, clock));
        this.clients = clients;
        scopes.checkRegistrationsWith(clients::registering);
        clients.shareCacheInvalidations(platform.clusterEvents());
        // Every access token is refused once its client is deleted or its tokens revoked, except those of Gatehouse's
        // own sign-in (/v1/auth/login), whose client is no registered OAuth client: they end with their sessions.
        this.introspector = new TokenIntrospector(
                accessTokens,
                revocations,
                sessions,
                config.issuer(),
                (clientId, issuedAt) -> AuthService.FIRST_PARTY_CLIENT.equals(clientId)
                        || clients.acceptsTokenIssuedAt(clientId, issuedAt));
        this.dpop = new DpopProofs(replays, clock);
        var dpopBindings = new DpopSessionBindings(db);
        var idTokens = new IdTokenService(platform.keyRing(), config.issuer(), clock, config.accessTokenTtl());
        var resourcePolicy = new ResourcePolicy(config.issuer(), config.apiAudience());
        var codeStore = new JdbiCodeStore();
        var parStore = new JdbiParStore();
        this.requests = new AuthorizationRequests(
                db,
                parStore,
                clients,
                audit,
                secrets,
                clock,
                config.issuer(),
                scopes,
                idTokens::verifyHint,
                resourcePolicy);
        this.authorize = new AuthorizeService(
                db, codeStore, parStore, audit, secrets, clock, config.issuer(), idTokens::issueForCode);
        var codeRedemption = new CodeRedemption(db, codeStore, sessions, audit, clock);
        this.deviceStore = new JdbiDeviceStore();
        this.devices =
                new DeviceService(db, deviceStore, clients, sessions, audit, secrets, clock, scopes, resourcePolicy);
        this.releasedClaims = new ReleasedClaims(identity.accounts, scopes);
        var userTokens = new UserTokens(accessTokens, idTokens, releasedClaims, config.apiAudience(), dpopBindings);
        this.sessionGrants = new SessionGrants(codeRedemption, devices);
        this.tokenEndpoint = new TokenEndpoint(clients, resourcePolicy)
                .register(new AuthorizationCodeGrantHandler(codeRedemption, userTokens))
                .register(new RefreshTokenGrantHandler(sessions, sessionGrants, userTokens, dpopBindings))
                .register(new ClientCredentialsGrantHandler(accessTokens, config.apiAudience(), scopes))
                .register(new DeviceCodeGrantHandler(devices, userTokens))
                .register(new TokenExchangeGrantHandler(
                        introspector, accessTokens, audit, config.apiAudience(), resourcePolicy));

        var consent = new ConsentService(db, new JdbiConsentStore(), audit, clock, sessions);
        this.consent = consent;
        // A deleted client's grants end with it (RFC 7592 §2.3): its users' sessions, so their refresh tokens and the
        // access tokens bound to those sessions, and the consents given to it.
        this.clientRegistrations = new ClientRegistrations(
                db, clientStore, clients, secrets, audit, clock, scopes::lockKnown, (h, clientId) -> {
                    sessions.endAllOfClient(h, clientId);
                    consent.forgetClient(h, clientId);
                });
        // Revoking a client's tokens ends its users' sessions the same way, and keeps the client. Its codes not yet
        // redeemed are spent too: each would open a session after the cut (ADR 0031).
        this.clientRevocation = new ClientRevocation(db, clientStore, clients, secrets, audit, clock, (h, clientId) -> {
            codeRedemption.spendUnusedCodesOfClient(h, clientId);
            devices.withdrawUnredeemedOfClient(h, clientId);
            return sessions.endAllOfClient(h, clientId, "client_tokens_revoked").size();
        });
        this.initialAccessTokens = new InitialAccessTokens(
                db, new JdbiInitialAccessTokenStore(), scopes::lockKnown, secrets, audit, clock);
        this.backChannelLogout = new BackChannelLogout(config.webhookAllowPrivate());
        this.logout = new LogoutService(
                db,
                identity.sso,
                codeRedemption,
                sessions,
                clients,
                idTokens,
                backChannelLogout,
                audit,
                secrets,
                config.issuer());
    }

    /** The token endpoint, client management, initial access tokens and client registration, in this order. */
    void addRoutes(List<RouteGroup> groups, Web web) {
        groups.add(new TokenRoutes(
                tokenEndpoint, clients, introspector, sessions, sessionGrants, web, dpop, config.issuer()));
        groups.add(new ClientRoutes(clients, clientRegistrations, clientRevocation, web));
        groups.add(new InitialAccessTokenRoutes(initialAccessTokens, web));
        groups.add(new RegistrationRoutes(
                clients,
                clientRegistrations,
                initialAccessTokens,
                web,
                config.issuer(),
                config.openClientRegistration()));
    }
}
