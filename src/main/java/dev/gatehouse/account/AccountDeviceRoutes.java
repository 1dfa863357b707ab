package dev.gatehouse.account;

import dev.gatehouse.mfa.DeviceService;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;

/**
 * The account page's device forms: stop trusting a browser (its next sign-in asks for the second factor again) and
 * forget a device, which ends its sessions ({@link DeviceService}, audited there). Both only take something away, so
 * they need the page's CSRF token but not a recent sign-in.
 */
final class AccountDeviceRoutes implements RouteGroup {
    private final AccountSecurityRoutes page;
    private final DeviceService devices;

    AccountDeviceRoutes(AccountSecurityRoutes page, DeviceService devices) {
        this.page = page;
        this.devices = devices;
    }

    @Override
    public void routes(Api api) {
        AccountFactorRoutes.post(api, "/devices/{id}/untrust", this::untrust, "Stop trusting a device", "untrusted");
        AccountFactorRoutes.post(
                api, "/devices/{id}/remove", this::remove, "Forget a device and end its sessions", "removed");
    }

    private void untrust(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        try {
            devices.untrust(s.get().userId(), ctx.pathParam("id"), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "device_untrusted");
    }

    private void remove(Context ctx) {
        var s = page.posted(ctx, false);
        if (s.isEmpty()) return;
        try {
            var unused = devices.remove(
                    s.get().userId(), ctx.pathParam("id"), page.web().info(ctx));
        } catch (Problem p) {
            page.refused(ctx, s.get(), p);
            return;
        }
        page.done(ctx, "device_removed");
    }
}
