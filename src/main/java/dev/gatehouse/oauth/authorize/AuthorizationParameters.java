package dev.gatehouse.oauth.authorize;

import com.nimbusds.oauth2.sdk.ErrorObject;
import com.nimbusds.oauth2.sdk.GrantType;
import com.nimbusds.oauth2.sdk.OAuth2Error;
import com.nimbusds.oauth2.sdk.ResponseMode;
import com.nimbusds.oauth2.sdk.ResponseType;
import com.nimbusds.oauth2.sdk.id.State;
import dev.gatehouse.oauth.clients.OAuthClient;
import dev.gatehouse.oauth.clients.ResourcePolicy;
import dev.gatehouse.oauth.scopes.ScopeService;
import dev.gatehouse.platform.http.Validator;
import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The parameters of an authorization request once its client and redirect URI are trusted (RFC 6749 §4.1.1, OAuth 2.1,
 * RFC 7636, OIDC Core §3.1.2.1, RFC 8707, RFC 9449 §10): each read and checked in turn into an
 * {@link AuthorizeService.Request}; a refusal goes back to the redirect URI ({@link Refusal}) with the state and in the
 * response mode asked for when they could be read. Repeated parameters are refused (RFC 6749 §3.1).
 */
final class AuthorizationParameters {
    /** RFC 8707 §2. */
    private static final ErrorObject INVALID_TARGET = new ErrorObject("invalid_target", null, 400);

    /** A base64url SHA-256 JWK thumbprint (RFC 7638), as {@code dpop_jkt} carries it. */
    private static final Pattern JKT = Pattern.compile("[A-Za-z0-9_-]{43}");

    private final ScopeService scopes;
    private final AuthorizeService.IdTokenHints hints;
    private final ResourcePolicy resourcePolicy;

    AuthorizationParameters(ScopeService scopes, AuthorizeService.IdTokenHints hints, ResourcePolicy resourcePolicy) {
        this.scopes = scopes;
        this.hints = hints;
        this.resourcePolicy = resourcePolicy;
    }

    /** The one value of {@code name}, or null; a repeated parameter throws {@link RepeatedParameter}. */
    static String single(Map<String, List<String>> params, String name) {
        List<String> v = params.get(name);
        if (v == null || v.isEmpty()) return null;
        if (v.size() > 1) throw new RepeatedParameter(name); // RFC 6749 §3.1: no repeated parameters
        return v.get(0);
    }

    /** A parameter sent more than once (RFC 6749 §3.1); its message is the parameter's name. */
    static final class RepeatedParameter extends RuntimeException {
        RepeatedParameter(String name) {
            super(name, null, false, false);
        }
    }

    /** Whether this server set {@code marker} (see {@link AuthorizeService.Interaction}). */
    static boolean marked(Map<String, List<String>> params, String marker) {
        return params.getOrDefault(marker, List.of()).equals(List.of("1"));
    }

    /**
     * How a refusal goes back before the request could be read in full (a repeated parameter, PAR required): the
     * response mode asked for when it is one value and usable, else the response type's default. An ID token's
     * response type never answers in the query (OIDC Core §3.3.2.6, OAuth 2.0 Multiple Response Types §5), and a
     * requested form_post is honoured for errors too (Form Post Response Mode §2).
     */
    static ResponseMode refusalMode(Map<String, List<String>> params) {
        List<String> types = params.getOrDefault("response_type", List.of());
        ResponseMode defaultMode = defaultMode(types.size() == 1 ? types.get(0) : null);
        List<String> modes = params.getOrDefault("response_mode", List.of());
        String mode = modes.size() == 1 ? modes.get(0) : "";
        if (mode.equals("form_post")) return ResponseMode.FORM_POST;
        if (mode.equals("fragment")) return ResponseMode.FRAGMENT;
        return defaultMode;
    }

    /**
     * The default response mode of a response type (OAuth 2.0 Multiple Response Types §5): the fragment when the
     * answer carries a token or an ID token ({@code token}, {@code id_token}, alone or with others), as their errors
     * too (RFC 6749 §4.2.2.1, OIDC Core §3.2.2.6 and §3.3.2.6); else the query. Read from the raw value, so that a
     * response type this server refuses is refused in the place its client reads answers.
     */
    private static ResponseMode defaultMode(String responseType) {
        boolean frontChannelToken = responseType != null
                && List.of(responseType.trim().split(" +")).stream()
                        .anyMatch(t -> t.equals("id_token") || t.equals("token"));
        return frontChannelToken ? ResponseMode.FRAGMENT : ResponseMode.QUERY;
    }

    static State stateOf(Map<String, List<String>> params) {
        List<String> s = params.get("state");
        return s == null || s.size() != 1 ? null : new State(s.get(0));
    }

    /** A refusal of a request whose client and redirect URI were checked: it goes back to that redirect URI. */
    static final class Refusal extends RuntimeException {
        final ErrorObject error;
        final State state;
        final ResponseMode mode;

        Refusal(ErrorObject error, String description, State state, ResponseMode mode) {
            super(description, null, false, false);
            this.error = error.setDescription(description);
            this.state = state;
            this.mode = mode;
        }
    }

    /**
     * Reads the request of a client and redirect URI already checked: every other parameter, with the refusals that go
     * back to that redirect URI ({@link Refusal}). The checks run in this order, which decides the error a request
     * with several faults hears.
     */
    AuthorizeService.Request read(
            OAuthClient client,
            URI redirectUri,
            boolean redirectUriNamed,
            Map<String, List<String>> params,
            boolean backChannel,
            Optional<String> pushedHash,
            AuthorizeService.Interaction seen) {
        Optional<String> state = Optional.ofNullable(single(params, "state"));
        State s = state.map(State::new).orElse(null);
        refuseRequestObjects(params, s);
        String responseType = single(params, "response_type");
        ResponseType type = parseResponseType(responseType);
        boolean hybrid = ResponseType.CODE_IDTOKEN.equals(type);
        var refuse = new Refuse(s, responseMode(params, defaultMode(responseType), s));
        checkResponseType(client, responseType, type, hybrid, refuse);
        String challenge = codeChallenge(params, refuse);
        // RFC 9449 §10: the code is bound to this DPoP key; the token request must prove possession of it.
        String dpopJkt = single(params, "dpop_jkt");
        if (dpopJkt != null && !JKT.matcher(dpopJkt).matches())
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "dpop_jkt must be a base64url SHA-256 JWK thumbprint");
        Set<String> scope = scope(client, params, hybrid, refuse);
        Set<String> prompts = prompts(params, refuse);
        Optional<Long> maxAge = maxAge(client, params, refuse);
        // Hints and preferences (OIDC Core §3.1.2.1): one that is not usable is ignored, not an error.
        Optional<String> loginHint = Optional.ofNullable(single(params, "login_hint"))
                .filter(h -> Validator.textProblem(h, 320).isEmpty());
        Optional<String> hintedSubject = hintedSubject(client, params, refuse);
        Optional<String> uiLocales = Optional.ofNullable(single(params, "ui_locales"))
                .map(String::trim)
                .filter(l -> UI_LOCALES.matcher(l).matches());
        List<String> acrValues = acrValues(client, params, refuse);
        AuthorizeService.Interaction interaction = backChannel ? seen : markersOf(params);
        String nonce = nonce(params, hybrid, refuse);
        List<String> resources = params.getOrDefault("resource", List.of());
        var resourceProblem = resourcePolicy.problem(client, resources);
        if (resourceProblem.isPresent()) throw refuse.with(INVALID_TARGET, resourceProblem.get());
        return new AuthorizeService.Request(
                client,
                redirectUri,
                redirectUriNamed,
                state,
                refuse.mode(),
                hybrid,
                scope,
                challenge,
                Optional.ofNullable(nonce),
                prompts,
                List.copyOf(resources),
                maxAge,
                loginHint,
                hintedSubject,
                uiLocales,
                acrValues,
                pushedHash,
                interaction,
                Optional.ofNullable(dpopJkt));
    }

    /** The state and response mode a refusal goes back with, once the response mode is known. */
    private record Refuse(State state, ResponseMode mode) {
        Refusal with(ErrorObject error, String description) {
            return new Refusal(error, description, state, mode);
        }
    }

    /**
     * OIDC Core §6: request objects, by value or by reference, are not supported; said before anything they hold could
     * be missed (a request object may carry every other parameter).
     */
    private static void refuseRequestObjects(Map<String, List<String>> params, State s) {
        if (params.containsKey("request"))
            throw new Refusal(
                    new ErrorObject("request_not_supported", null, 302),
                    "request objects are not supported",
                    s,
                    refusalMode(params));
        if (params.containsKey("request_uri"))
            throw new Refusal(
                    new ErrorObject("request_uri_not_supported", null, 302),
                    "request_uri is only for this server's pushed authorization requests (RFC 9126)",
                    s,
                    refusalMode(params));
    }

    /**
     * The response mode asked for, else the response type's {@link #defaultMode}. OAuth 2.0 Multiple Response Types
     * §5 and OIDC Core §3.3.2.5: a response type whose default is the fragment (a token or an ID token in the answer)
     * is never answered in the query, so asking for the query is an error.
     */
    private static ResponseMode responseMode(Map<String, List<String>> params, ResponseMode defaultMode, State s) {
        String mode = single(params, "response_mode");
        if (mode == null) return defaultMode;
        ResponseMode responseMode = switch (mode) {
            case "query" -> ResponseMode.QUERY;
            case "fragment" -> ResponseMode.FRAGMENT;
            case "form_post" -> ResponseMode.FORM_POST;
            default -> throw new Refusal(OAuth2Error.INVALID_REQUEST, "unsupported response_mode", s, defaultMode);
        };
        if (ResponseMode.FRAGMENT.equals(defaultMode) && ResponseMode.QUERY.equals(responseMode)) {
            throw new Refusal(
                    OAuth2Error.INVALID_REQUEST,
                    "response_mode query cannot carry a token or an ID token; use fragment or form_post",
                    s,
                    defaultMode);
        }
        return responseMode;
    }

    /** {@code code} or {@code code id_token}, for a client registered for it (RFC 7591 §2: {@code code} by default). */
    private static void checkResponseType(
            OAuthClient client, String responseType, ResponseType type, boolean hybrid, Refuse refuse) {
        if (responseType == null) throw refuse.with(OAuth2Error.INVALID_REQUEST, "missing response_type");
        if (type == null || !(hybrid || ResponseType.CODE.equals(type))) {
            throw refuse.with(OAuth2Error.UNSUPPORTED_RESPONSE_TYPE, "response_type must be code or code id_token");
        }
        if (!client.allows(GrantType.AUTHORIZATION_CODE)) {
            throw refuse.with(OAuth2Error.UNAUTHORIZED_CLIENT, "the client is not registered for authorization_code");
        }
        Set<ResponseType> registeredTypes =
                Optional.ofNullable(client.metadata().getResponseTypes()).orElse(Set.of(ResponseType.CODE));
        if (!registeredTypes.contains(type)) {
            throw refuse.with(
                    OAuth2Error.UNAUTHORIZED_CLIENT, "the client is not registered for response_type " + responseType);
        }
    }

    /** OAuth 2.1 §4.1.1 and RFC 7636: PKCE for every client, and only S256 (plain protects nothing). */
    private static String codeChallenge(Map<String, List<String>> params, Refuse refuse) {
        String challenge = single(params, "code_challenge");
        String method = single(params, "code_challenge_method");
        if (challenge == null) throw refuse.with(OAuth2Error.INVALID_REQUEST, "code_challenge is required");
        if (!"S256".equals(method))
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "code_challenge_method must be S256");
        if (challenge.length() != 43
                || !CodeRedemption.PKCE_VALUE.matcher(challenge).matches())
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "code_challenge is malformed");
        return challenge;
    }

    /** The scopes the client may have of those asked for ({@code openid} with an ID token in the response). */
    private Set<String> scope(OAuthClient client, Map<String, List<String>> params, boolean hybrid, Refuse refuse) {
        String scopeParam = single(params, "scope");
        Set<String> scope = scopes.forUser(
                        client,
                        scopeParam == null || scopeParam.isBlank()
                                ? Set.of()
                                : new LinkedHashSet<>(List.of(scopeParam.trim().split(" +"))))
                .orElseThrow(() -> refuse.with(OAuth2Error.INVALID_SCOPE, "the client may not request this scope"));
        if (hybrid && !scope.contains("openid"))
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "response_type code id_token needs the openid scope");
        return scope;
    }

    /** The prompt values this server knows; others are ignored, as for any unknown parameter. */
    private static Set<String> prompts(Map<String, List<String>> params, Refuse refuse) {
        String prompt = single(params, "prompt");
        Set<String> prompts = prompt == null || prompt.isBlank()
                ? Set.of()
                : Set.copyOf(java.util.Arrays.stream(prompt.trim().split(" +"))
                        .filter(PROMPTS::contains)
                        .toList());
        // OIDC Core §3.1.2.1: none with any other value is an error.
        if (prompts.contains("none") && prompts.size() > 1)
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "prompt=none cannot be combined");
        return prompts;
    }

    /** {@code max_age}, else the client's {@code default_max_age} (OIDC Registration §2). */
    private static Optional<Long> maxAge(OAuthClient client, Map<String, List<String>> params, Refuse refuse) {
        String maxAgeParam = single(params, "max_age");
        if (maxAgeParam != null) {
            if (!maxAgeParam.matches("[0-9]{1,9}"))
                throw refuse.with(OAuth2Error.INVALID_REQUEST, "max_age must be a non-negative number of seconds");
            return Optional.of(Long.parseLong(maxAgeParam));
        }
        int defaultMaxAge = client.metadata().getDefaultMaxAge();
        return defaultMaxAge >= 0 ? Optional.of((long) defaultMaxAge) : Optional.empty();
    }

    /**
     * The subject of {@code id_token_hint}: the user the client expects. It must be an ID token this server issued to
     * this client; the decision (AuthorizeRoutes) then needs that user signed in, or answers login_required.
     */
    private Optional<String> hintedSubject(OAuthClient client, Map<String, List<String>> params, Refuse refuse) {
        String idTokenHint = single(params, "id_token_hint");
        if (idTokenHint == null) return Optional.empty();
        Optional<String> subject = hints.verify(idTokenHint)
                .filter(c -> c.getAudience() != null && c.getAudience().contains(client.clientId()))
                .map(com.nimbusds.jwt.JWTClaimsSet::getSubject);
        if (subject.isEmpty())
            throw refuse.with(
                    OAuth2Error.INVALID_REQUEST, "id_token_hint is not an ID token this server issued to the client");
        return subject;
    }

    /** {@code acr_values}, else the client's {@code default_acr_values}. */
    private static List<String> acrValues(OAuthClient client, Map<String, List<String>> params, Refuse refuse) {
        String acr = single(params, "acr_values");
        if (acr != null
                && (acr.length() > 1000 || Validator.textProblem(acr, 1000).isPresent()))
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "acr_values is malformed");
        return acr == null || acr.isBlank()
                ? defaultAcrValues(client)
                : List.of(acr.trim().split(" +"));
    }

    /** The nonce; OIDC Core §3.3.2.11 requires one when the ID token comes from the authorization endpoint. */
    private static String nonce(Map<String, List<String>> params, boolean hybrid, Refuse refuse) {
        String nonce = single(params, "nonce");
        if (nonce != null && nonce.length() > 512)
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "nonce must be at most 512 characters");
        if (hybrid && (nonce == null || nonce.isEmpty()))
            throw refuse.with(OAuth2Error.INVALID_REQUEST, "nonce is required with response_type code id_token");
        return nonce;
    }

    /** OIDC Core §3.1.2.1, and {@code create} of Initiating User Registration via OpenID Connect 1.0. */
    private static final Set<String> PROMPTS = Set.of("none", "login", "consent", "select_account", "create");

    /** OIDC Registration §2 default_acr_values: the client's acr_values when the request names none. */
    private static List<String> defaultAcrValues(OAuthClient client) {
        var defaults = client.metadata().getDefaultACRs();
        return defaults == null
                ? List.of()
                : defaults.stream().map(a -> a.getValue()).toList();
    }

    /** The response type, its values in any order (RFC 6749 §3.1.1); null when absent or malformed. */
    private static ResponseType parseResponseType(String value) {
        if (value == null || value.length() > 100) return null;
        try {
            return ResponseType.parse(value);
        } catch (com.nimbusds.oauth2.sdk.ParseException e) {
            return null;
        }
    }

    private static final Pattern UI_LOCALES =
            Pattern.compile("[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*( +[A-Za-z]{1,8}(-[A-Za-z0-9]{1,8})*){0,9}");

    private static AuthorizeService.Interaction markersOf(Map<String, List<String>> params) {
        Optional<Instant> after = Optional.empty();
        List<String> v = params.getOrDefault(AuthorizeService.SIGNED_IN_AFTER, List.of());
        if (v.size() == 1 && v.get(0).matches("[0-9]{1,15}"))
            after = Optional.of(Instant.ofEpochMilli(Long.parseLong(v.get(0))));
        return new AuthorizeService.Interaction(
                after,
                marked(params, AuthorizeService.CONSENT_SHOWN),
                marked(params, AuthorizeService.ACCOUNT_SELECTED));
    }
}
