package dev.gatehouse;

import dev.gatehouse.account.AccountSecurityRoutes;
import dev.gatehouse.login.AccountLinkRoutes;
import dev.gatehouse.login.LoginMfaRoutes;
import dev.gatehouse.login.LoginRoutes;
import dev.gatehouse.login.LoginWebAuthnRoutes;
import dev.gatehouse.login.PasskeyLoginRoutes;
import dev.gatehouse.oauth.DiscoveryRoutes;
import dev.gatehouse.oauth.authorize.AuthorizeRoutes;
import dev.gatehouse.oauth.authorize.ConsentApiRoutes;
import dev.gatehouse.oauth.authorize.ConsentRoutes;
import dev.gatehouse.oauth.authorize.ParRoutes;
import dev.gatehouse.oauth.scopes.ScopeRoutes;
import dev.gatehouse.oidc.BrowserSessionRoutes;
import dev.gatehouse.oidc.LogoutRoutes;
import dev.gatehouse.oidc.SessionManagementRoutes;
import dev.gatehouse.oidc.UserinfoRoutes;
import dev.gatehouse.platform.config.Config;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import dev.gatehouse.webauthn.WebAuthnRoutes;
import java.time.Clock;
import java.util.List;
import java.util.Optional;

/**
 * The fourth part of {@link App}'s wiring: the routes of the browser's side of OAuth, where the sign-in of
 * {@link IdentityWiring} meets the authorization request of {@link OAuthWiring}. It builds the SSO cookie and the
 * hosted forms' CSRF protection, the answer every hosted sign-in step gives (ADR 0021), and registers the authorization
 * endpoint, the sign-in, consent, device, logout and account pages with the passkey routes. The server's route order is
 * kept as it has always been, so the endpoints of pushed requests, userinfo, discovery, scopes and the consent API are
 * registered here between the pages.
 */
final class HostedPagesWiring {
    private HostedPagesWiring() {}

    static void addRoutes(
            List<RouteGroup> groups,
            Config config,
            Secrets secrets,
            Clock clock,
            IdentityWiring identity,
            OAuthWiring oauth,
            Web web,
            boolean https) {
        var sso = identity.sso;
        var signIn = identity.signIn;
        var accounts = identity.accounts;
        var requests = oauth.requests;
        var logout = oauth.logout;
        // The browser's sign-in, and the CSRF protection of the hosted sign-in's forms (ADR 0023).
        var ssoCookie = LoginRoutes.ssoCookie(https);
        var loginCsrf = LoginRoutes.csrf(https);
        var authorizeRoutes =
                new AuthorizeRoutes(requests, oauth.authorize, oauth.consent, sso, signIn, ssoCookie, accounts, web);
        groups.add(authorizeRoutes);
        // Every hosted sign-in step answers the authorization request it was for in place (ADR 0021).
        var signedIn = new LoginRoutes.SignedInAnswer(
                sso,
                web,
                ssoCookie,
                loginCsrf,
                authorizeRoutes::resume,
                (previous, info) -> logout.logout(previous, Optional.empty(), info));
        var loginRoutes = new LoginRoutes(
                sso,
                signIn,
                web,
                secrets,
                loginCsrf,
                ssoCookie,
                requests::redirectTarget,
                signedIn,
                accounts.registrationEnabled());
        groups.add(loginRoutes);
        groups.add(new AccountLinkRoutes(
                accounts, identity.mailedLinks, sso, signIn, web, secrets, https, loginCsrf, ssoCookie, signedIn));
        groups.add(new LoginMfaRoutes(
                sso, signIn, identity.mfa, web, secrets, loginCsrf, ssoCookie, requests::redirectTarget, signedIn));
        groups.add(new ParRoutes(requests, oauth.clients, web, oauth.dpop, config.issuer()));
        groups.add(new ConsentRoutes(
                requests,
                oauth.authorize,
                authorizeRoutes,
                oauth.consent,
                oauth.scopes,
                sso,
                accounts,
                web,
                secrets,
                ssoCookie,
                https));
        groups.add(new dev.gatehouse.oauth.device.DeviceRoutes(
                oauth.devices, oauth.clients, oauth.scopes, sso, web, secrets, config.issuer(), ssoCookie, https));
        groups.add(new UserinfoRoutes(
                oauth.introspector,
                accounts,
                oauth.clients,
                oauth.scopes,
                oauth.releasedClaims,
                web,
                oauth.dpop,
                config.issuer(),
                config.apiAudience()));
        groups.add(new LogoutRoutes(logout, sso, web, ssoCookie, https));
        groups.add(new SessionManagementRoutes(oauth.clients, sso, ssoCookie, web));
        groups.add(new BrowserSessionRoutes(sso, ssoCookie, accounts, web));
        groups.add(new DiscoveryRoutes(
                config.issuer(), oauth.tokenEndpoint, web, oauth.scopes, config.registrationEnabled()));
        groups.add(new ScopeRoutes(oauth.scopes, web));
        groups.add(new ConsentApiRoutes(oauth.consent, web));
        var webauthn = identity.webauthn;
        groups.add(new AccountSecurityRoutes(
                sso,
                accounts,
                identity.mfaFactors,
                identity.mfaDevices,
                webauthn,
                oauth.consent,
                oauth.scopes,
                web,
                secrets,
                clock,
                ssoCookie,
                (session, info) -> logout.logout(session, Optional.empty(), info),
                https));
        groups.add(new WebAuthnRoutes(webauthn, web, https, identity.recentSignIn));
        groups.add(new PasskeyLoginRoutes(
                loginRoutes, sso, signIn, webauthn.passkeys(), web, signedIn, loginCsrf, ssoCookie));
        groups.add(new LoginWebAuthnRoutes(
                sso, signIn, webauthn.passkeys(), web, signedIn, requests::redirectTarget, loginCsrf, ssoCookie));
    }
}
