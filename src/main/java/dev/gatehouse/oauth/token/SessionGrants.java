package dev.gatehouse.oauth.token;

import dev.gatehouse.oauth.authorize.CodeRedemption;
import dev.gatehouse.oauth.device.DeviceService;
import java.util.Optional;
import java.util.UUID;

/**
 * What the user granted to the session an OAuth client's refresh token belongs to: through an authorization code, or
 * through the device grant (RFC 8628). The refresh grant issues within it; introspection states its scope.
 */
public final class SessionGrants {
    private final CodeRedemption codes;
    private final DeviceService devices;

    public SessionGrants(CodeRedemption codes, DeviceService devices) {
        this.codes = codes;
        this.devices = devices;
    }

    public Optional<UserTokens.Grant> of(UUID sessionId) {
        return codes.grantOfSession(sessionId)
                .map(g -> new UserTokens.Grant(
                        g.userId(), g.scope(), g.resources(), g.authTime(), g.amr(), Optional.empty()))
                .or(() -> devices.grantOfSession(sessionId)
                        .filter(g -> g.userId().isPresent() && g.authTime().isPresent())
                        .map(g -> new UserTokens.Grant(
                                g.userId().get(),
                                g.scope(),
                                g.resources(),
                                g.authTime().get(),
                                g.amr(),
                                Optional.empty())));
    }
}
