package dev.gatehouse.oauth.token;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.oauth.device.DeviceService;
import dev.gatehouse.oidc.IdTokenService;
import dev.gatehouse.tokens.AccessTokenService;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 8628 §3.4–3.5: the device polls with its device code. {@link DeviceService#poll} answers
 * {@code authorization_pending}, {@code slow_down}, {@code access_denied} or {@code expired_token} until the user
 * approved; then, once, the same tokens the code grant gives (refresh token with {@code offline_access} or a client
 * registered for refresh, ID token with {@code openid}).
 */
public final class DeviceCodeGrantHandler implements GrantHandler {
    private final DeviceService devices;
    private final AccessTokenService tokens;
    private final IdTokenService idTokens;
    private final String defaultAudience;
    private final DpopSessionBindings dpopBindings;

    public DeviceCodeGrantHandler(
            DeviceService devices,
            AccessTokenService tokens,
            IdTokenService idTokens,
            String defaultAudience,
            DpopSessionBindings dpopBindings) {
        this.dpopBindings = dpopBindings;
        this.devices = devices;
        this.tokens = tokens;
        this.idTokens = idTokens;
        this.defaultAudience = defaultAudience;
    }

    @Override
    public String grantType() {
        return GrantType.DEVICE_CODE.getValue();
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        var redeemed = devices.poll(call.required("device_code"), call.client().clientId(), call.info());
        var grant = redeemed.grant();
        String subject = grant.userId().orElseThrow().toString();
        List<String> audience = grant.resources().isEmpty() ? List.of(defaultAudience) : grant.resources();
        var access = tokens.issue(call.bind(new AccessTokenService.Request(
                subject, Optional.of(redeemed.sessionId()), call.client().clientId(), audience, grant.scope())));
        var body = new LinkedHashMap<String, Object>();
        body.put("access_token", access.token());
        body.put("token_type", call.tokenType());
        body.put("expires_in", access.expiresIn());
        if (!grant.scope().isEmpty()) body.put("scope", String.join(" ", grant.scope()));
        if (grant.scope().contains("offline_access") || call.client().allows(GrantType.REFRESH_TOKEN)) {
            body.put("refresh_token", redeemed.refreshToken());
            // RFC 9449 §5: as for the code grant, a public client's refresh token is bound to its DPoP key.
            if (call.client().isPublic()) call.dpopJkt().ifPresent(jkt -> dpopBindings.bind(redeemed.sessionId(), jkt));
        }
        if (grant.scope().contains("openid")) {
            body.put(
                    "id_token",
                    idTokens.issue(new IdTokenService.Claims(
                            call.client(),
                            subject,
                            redeemed.sessionId(),
                            grant.authTime().orElseThrow(),
                            Optional.empty(),
                            access.token(),
                            grant.amr())));
        }
        return body;
    }
}
