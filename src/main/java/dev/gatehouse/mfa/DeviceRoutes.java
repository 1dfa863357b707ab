package dev.gatehouse.mfa;

import dev.gatehouse.auth.RecentSignIn;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/**
 * Seed 004's device trust (/v1/auth/mfa/trust-device, revoke-trust) and device management (/v1/devices). Trusting is a
 * factor change (ADR 0028): it needs a recent sign-in that passed a second factor, on the device being trusted, and
 * hands out the trust token that later sign-ins from the device show (ADR 0008).
 */
public final class DeviceRoutes implements RouteGroup {
    public record DevicePage(List<DeviceService.Device> devices, int count) {}

    public record Message(String message) {}

    private static final String TRUST_REFUSALS = "not_this_device: only the device of this sign-in can be trusted;"
            + " second_factor_required: the sign-in passed no second factor (nor a passkey)";
    private static final String TRUST_TOKEN = ". The answer's trust_token is shown once: sign-ins send it as"
            + " X-Device-Trust beside X-Device-Id (a browser gets it as an HttpOnly cookie); without it MFA is asked";

    private final DeviceService devices;
    private final Web web;
    private final boolean https;
    private final RecentSignIn recentSignIn;

    public DeviceRoutes(DeviceService devices, Web web, boolean https, RecentSignIn recentSignIn) {
        this.devices = devices;
        this.web = web;
        this.https = https;
        this.recentSignIn = recentSignIn;
    }

    @Override
    public void routes(Api api) {
        api.post("/v1/auth/mfa/trust-device", this::trustThis)
                .tag("devices")
                .summary("Trust the device of this sign-in (X-Device-Id or the device cookie, when sent, must name it)"
                        + " to skip MFA for N days; needs a recent sign-in that passed MFA" + TRUST_TOKEN)
                .bearer()
                .returns(200, DeviceService.Trust.class)
                .returns(401, RecentSignIn.REFUSAL)
                .returns(403, TRUST_REFUSALS)
                .returns(404, "not one of the caller's devices");
        api.post("/v1/auth/mfa/revoke-trust", this::revokeThis)
                .tag("devices")
                .summary("Stop trusting the calling device")
                .bearer()
                .returns(200, Message.class)
                .returns(404, "not one of the caller's devices");
        api.get("/v1/devices", this::list)
                .tag("devices")
                .summary("The caller's devices")
                .bearer()
                .returns(200, DevicePage.class);
        api.get("/v1/devices/{id}", this::one)
                .tag("devices")
                .summary("One of the caller's devices")
                .bearer()
                .returns(200, DeviceService.Device.class)
                .returns(404, "no such device of the caller");
        api.delete("/v1/devices/{id}", this::remove)
                .tag("devices")
                .summary("Forget a device and end its sessions")
                .bearer()
                .returns(204, "removed")
                .returns(404, "no such device of the caller");
        api.post("/v1/devices/{id}/trust", this::trust)
                .tag("devices")
                .summary("Trust a device, which must be the one of this sign-in, to skip MFA for N days; needs a recent"
                        + " sign-in that passed MFA" + TRUST_TOKEN)
                .bearer()
                .returns(200, DeviceService.Device.class)
                .returns(401, RecentSignIn.REFUSAL)
                .returns(403, TRUST_REFUSALS)
                .returns(404, "no such device of the caller");
        api.delete("/v1/devices/{id}/trust", this::untrust)
                .tag("devices")
                .summary("Stop trusting a device")
                .bearer()
                .returns(200, DeviceService.Device.class)
                .returns(404, "no such device of the caller");
    }

    /** The device a call acts on: X-Device-Id or the device cookie, else the device of the caller's session. */
    private String callingDevice(Context ctx, Principal p) {
        return web.deviceId(ctx)
                .or(() -> devices.deviceOfSession(p.sessionId()))
                .orElseThrow(() -> Problem.notFound("The device"));
    }

    private Optional<String> current(Principal p) {
        return devices.deviceOfSession(p.sessionId());
    }

    private void trustThis(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        var trust = devices.trust(p.userId(), p.sessionId(), web.deviceId(ctx), web.info(ctx));
        keep(ctx, trust);
        web.ok(ctx, trust);
    }

    /** A browser keeps the trust token where scripts cannot read it, for the hosted sign-in to send back. */
    private void keep(Context ctx, DeviceService.Trust trust) {
        Web.deviceTrustCookie(https)
                .set(ctx, trust.trustToken(), (int) devices.trustFor().toSeconds());
    }

    private void revokeThis(Context ctx) {
        Principal p = web.principal(ctx);
        devices.untrust(p.userId(), callingDevice(ctx, p), web.info(ctx));
        Web.deviceTrustCookie(https).clear(ctx);
        web.ok(ctx, new Message("This device is no longer trusted."));
    }

    private void list(Context ctx) {
        Principal p = web.principal(ctx);
        var list = devices.list(p.userId(), current(p));
        web.ok(ctx, new DevicePage(list, list.size()));
    }

    private void one(Context ctx) {
        Principal p = web.principal(ctx);
        web.ok(ctx, devices.get(p.userId(), ctx.pathParam("id"), current(p)));
    }

    private void remove(Context ctx) {
        Principal p = web.principal(ctx);
        devices.remove(p.userId(), ctx.pathParam("id"), web.info(ctx));
        ctx.status(204);
    }

    private void trust(Context ctx) {
        Principal p = web.principal(ctx);
        recentSignIn.require(p);
        String id = ctx.pathParam("id");
        var trust = devices.trust(p.userId(), p.sessionId(), Optional.of(id), web.info(ctx));
        keep(ctx, trust);
        web.ok(ctx, devices.get(p.userId(), id, current(p)).withTrustToken(trust.trustToken()));
    }

    private void untrust(Context ctx) {
        Principal p = web.principal(ctx);
        String id = ctx.pathParam("id");
        devices.untrust(p.userId(), id, web.info(ctx));
        web.ok(ctx, devices.get(p.userId(), id, current(p)));
    }
}
