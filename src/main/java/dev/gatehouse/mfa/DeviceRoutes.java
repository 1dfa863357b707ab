package dev.gatehouse.mfa;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;
import java.util.Optional;

/** Seed 004's device trust (/v1/auth/mfa/trust-device, revoke-trust) and device management (/v1/devices). */
public final class DeviceRoutes implements RouteGroup {
    public record DevicePage(List<DeviceService.Device> devices, int count) {}

    public record Message(String message) {}

    private final DeviceService devices;
    private final Web web;

    public DeviceRoutes(DeviceService devices, Web web) {
        this.devices = devices;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.post("/v1/auth/mfa/trust-device", this::trustThis)
                .tag("devices")
                .summary("Trust the calling device (X-Device-Id or the device cookie) to skip MFA for N days")
                .bearer()
                .returns(200, DeviceService.Trust.class)
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
                .summary("Trust a device to skip MFA for N days")
                .bearer()
                .returns(200, DeviceService.Device.class)
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
        web.ok(ctx, devices.trust(p.userId(), callingDevice(ctx, p), web.info(ctx)));
    }

    private void revokeThis(Context ctx) {
        Principal p = web.principal(ctx);
        devices.untrust(p.userId(), callingDevice(ctx, p), web.info(ctx));
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
        String id = ctx.pathParam("id");
        devices.trust(p.userId(), id, web.info(ctx));
        web.ok(ctx, devices.get(p.userId(), id, current(p)));
    }

    private void untrust(Context ctx) {
        Principal p = web.principal(ctx);
        String id = ctx.pathParam("id");
        devices.untrust(p.userId(), id, web.info(ctx));
        web.ok(ctx, devices.get(p.userId(), id, current(p)));
    }
}
