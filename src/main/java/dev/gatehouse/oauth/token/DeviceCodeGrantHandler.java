package dev.gatehouse.oauth.token;

import com.nimbusds.oauth2.sdk.GrantType;
import dev.gatehouse.oauth.device.DeviceService;
import java.util.Map;
import java.util.Optional;

/**
 * RFC 8628 §3.4–3.5: the device polls with its device code. {@link DeviceService#poll} answers
 * {@code authorization_pending}, {@code slow_down}, {@code access_denied} or {@code expired_token} until the user
 * approved; then, once, the same tokens the code grant gives (refresh token for a client registered for the
 * refresh_token grant, ID token with {@code openid}).
 */
public final class DeviceCodeGrantHandler implements GrantHandler {
    private final DeviceService devices;
    private final UserTokens userTokens;

    public DeviceCodeGrantHandler(DeviceService devices, UserTokens userTokens) {
        this.devices = devices;
        this.userTokens = userTokens;
    }

    @Override
    public String grantType() {
        return GrantType.DEVICE_CODE.getValue();
    }

    @Override
    public Map<String, Object> handle(TokenCall call) {
        var redeemed =
                devices.poll(call.required("device_code"), call.client().clientId(), call.resources(), call.info());
        var device = redeemed.grant();
        var grant = new UserTokens.Grant(
                device.userId().orElseThrow(),
                device.scope(),
                device.resources(),
                device.authTime().orElseThrow(),
                device.amr(),
                Optional.empty());
        return userTokens.first(call, grant, redeemed.sessionId(), redeemed.refreshToken());
    }
}
