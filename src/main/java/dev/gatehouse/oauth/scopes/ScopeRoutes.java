package dev.gatehouse.oauth.scopes;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Principal;
import dev.gatehouse.platform.http.Problem;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.http.Web;
import io.javalin.http.Context;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

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

    /** A page of the scopes that match the filters: {@code count} on this page, {@code total} in all. */
    public record ScopeList(List<ScopeView> scopes, int limit, int offset, int count, int total) {}

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
                .summary("List OAuth scopes, by name, a page at a time, filtered")
                .permission("clients:read")
                .query("limit", "1-100, default 100")
                .query("offset", "default 0")
                .query("is_default", "true or false: only default scopes, or only the others")
                .query("is_system", "true or false: only the OpenID Connect scopes, or only the others")
                .query("q", "only scopes whose name or description contains this text (any case)")
                .returns(200, ScopeList.class)
                .returns(422, "a query parameter out of range or not a boolean");
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
        int limit = web.intQuery(ctx, "limit", 100, 1, 100);
        int offset = web.intQuery(ctx, "offset", 0, 0, 1_000_000);
        Optional<Boolean> isDefault = web.booleanQuery(ctx, "is_default");
        Optional<Boolean> isSystem = web.booleanQuery(ctx, "is_system");
        String q = Optional.ofNullable(ctx.queryParam("q"))
                .map(s -> s.strip().toLowerCase(Locale.ROOT))
                .orElse("");
        var matching = scopes.list().stream()
                .filter(s -> isDefault.map(d -> d == s.isDefault()).orElse(true))
                .filter(s -> isSystem.map(d -> d == s.isSystem()).orElse(true))
                .filter(s -> q.isEmpty()
                        || s.name().toLowerCase(Locale.ROOT).contains(q)
                        || (s.description() != null
                                && s.description().toLowerCase(Locale.ROOT).contains(q)))
                .sorted(Comparator.comparing(Scope::name))
                .toList();
        var page = matching.stream()
                .skip(offset)
                .limit(limit)
                .map(ScopeRoutes::view)
                .toList();
        web.ok(ctx, new ScopeList(page, limit, offset, page.size(), matching.size()));
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
