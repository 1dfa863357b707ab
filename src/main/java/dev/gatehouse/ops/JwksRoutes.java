package dev.gatehouse.ops;

import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.keys.KeyRing;

/** The public signing keys (RFC 7517), including keys about to sign and keys whose tokens are still alive. */
public final class JwksRoutes implements RouteGroup {
    private final KeyRing keys;

    public JwksRoutes(KeyRing keys) {
        this.keys = keys;
    }

    @Override
    public void routes(Api api) {
        api.get("/.well-known/jwks.json", ctx -> {
                    ctx.header("Cache-Control", "public, max-age=300");
                    ctx.header("Access-Control-Allow-Origin", "*");
                    ctx.contentType("application/jwk-set+json")
                            .result(keys.publishedKeys().toString(true));
                })
                .tag("keys")
                .summary("JSON Web Key Set of the signing keys")
                .returns(200, "JWK Set");
    }
}
