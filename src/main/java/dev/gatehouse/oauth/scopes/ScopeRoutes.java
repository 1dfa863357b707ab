package dev.gatehouse.oauth.scopes;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.List;

/**
 * /v1/admin/scopes (seed 000's scope administration): list, read, create, update and delete OAuth scopes, with
 * errors as RFC 9457 problems. Reading needs {@code clients:read}, changing needs {@code scopes:write}.
 */
public final class ScopeRoutes implements RouteGroup {
    public record ScopeView(
            String name,
            String description,
            boolean isDefault,
            boolean isSystem,
            List<String> claims,
            String createdAt) {}

    /** {@code claims} is read loosely (any JSON array) so a wrong element is a 422 that names the field. */
    public record ScopeBody(String name, String description, Boolean isDefault, List<Object> claims) {}

    public record ScopeList(List<ScopeView> scopes, int count) {}

    public record DefaultScopes(List<String> scopes) {}

    private final ScopeService scopes;
    private final Web web;

    public ScopeRoutes(ScopeService scopes, Web web) {
        this.scopes = scopes;
        this.web = web;
    }

    @Override
    public void routes(Api api) {
        api.get("/v1/admin/scopes", this::list)
                .tag("scopes")
                .summary("List OAuth scopes")
                .permission("clients:read")
                .returns(200, ScopeList.class);
        api.post("/v1/admin/scopes", this::create)
                .tag("scopes")
                .summary(
                        "Create a scope; its claims (released by userinfo and ID tokens) are among discovery's claims_supported")
                .permission("scopes:write")
                .body(ScopeBody.class)
                .returns(201, ScopeView.class)
                .returns(409, "a scope with this name exists")
                .returns(422, "invalid fields, or a claim Gatehouse does not have");
        api.get("/v1/admin/scopes/defaults", this::defaults)
                .tag("scopes")
                .summary("The scopes granted when a client asks for none")
                .permission("clients:read")
                .returns(200, DefaultScopes.class);
        api.get("/v1/admin/scopes/{scope_name}", this::get)
                .tag("scopes")
                .summary("One scope")
                .permission("clients:read")
                .returns(200, ScopeView.class)
                .returns(404, "no such scope");
        api.put("/v1/admin/scopes/{scope_name}", this::update)
                .tag("scopes")
                .summary("Update a scope (description, default flag, claims; rename unless it is a system scope)")
                .permission("scopes:write")
                .body(ScopeBody.class)
                .returns(200, ScopeView.class)
                .returns(404, "no such scope")
                .returns(
                        409,
                        "system scope, the new name is taken, or a rename of a scope clients register (scope_in_use)")
                .returns(422, "invalid fields, or a claim Gatehouse does not have");
        api.delete("/v1/admin/scopes/{scope_name}", this::delete)
                .tag("scopes")
                .summary("Delete a scope (system scopes cannot be deleted)")
                .permission("scopes:write")
                .returns(204, "deleted")
                .returns(404, "no such scope")
                .returns(409, "system scope, or a scope clients register (scope_in_use)");
    }

    private void list(Context ctx) {
        web.require(ctx, "clients:read");
        var all = scopes.list().stream().map(ScopeRoutes::view).toList();
        web.ok(ctx, new ScopeList(all, all.size()));
    }

    private void defaults(Context ctx) {
        web.require(ctx, "clients:read");
        web.ok(ctx, new DefaultScopes(List.copyOf(scopes.defaults())));
    }

    private void get(Context ctx) {
        web.require(ctx, "clients:read");
        web.ok(ctx, view(scopes.find(ctx.pathParam("scope_name")).orElseThrow(() -> Problem.notFound("The scope"))));
    }

    private void create(Context ctx) {
        Principal p = web.require(ctx, "scopes:write");
        ScopeBody b = web.body(ctx, ScopeBody.class);
        var created = scopes.create(change(b), p.userId(), web.info(ctx));
        web.json(ctx, 201, view(created));
    }

    private void update(Context ctx) {
        Principal p = web.require(ctx, "scopes:write");
        ScopeBody b = web.body(ctx, ScopeBody.class);
        web.ok(ctx, view(scopes.update(ctx.pathParam("scope_name"), change(b), p.userId(), web.info(ctx))));
    }

    private void delete(Context ctx) {
        Principal p = web.require(ctx, "scopes:write");
        scopes.delete(ctx.pathParam("scope_name"), p.userId(), web.info(ctx));
        ctx.status(204);
    }

    private static ScopeService.Change change(ScopeBody b) {
        return new ScopeService.Change(b.name(), b.description(), b.isDefault(), b.claims());
    }

    private static ScopeView view(Scope s) {
        return new ScopeView(
                s.name(),
                s.description(),
                s.isDefault(),
                s.isSystem(),
                s.claims(),
                s.createdAt().toString());
    }
}
