package dev.gatehouse.ops;

import com.nimbusds.jose.jwk.JWKSet;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.PublicDocument;
import dev.gatehouse.platform.http.RouteGroup;
import dev.gatehouse.platform.keys.KeyRing;

/** The public signing keys (RFC 7517), including keys about to sign and keys whose tokens are still alive. */
public final class JwksRoutes implements RouteGroup {
    /** The serialized set, kept while the key ring hands out the same set object (it builds a new one on change). */
    private record Rendered(JWKSet set, PublicDocument document) {}

    private final KeyRing keys;
    private volatile Rendered rendered = new Rendered(null, null);

    public JwksRoutes(KeyRing keys) {
        this.keys = keys;
    }

    @SuppressWarnings("ReferenceEquality") // the same object means the same keys; a change brings a new set
    private PublicDocument document() {
        JWKSet set = keys.publishedKeys();
        Rendered r = rendered;
        if (r.set() != set)
            rendered = r = new Rendered(
                    set, PublicDocument.json("application/jwk-set+json;charset=utf-8", set.toString(true)));
        return r.document();
    }

    @Override
    public void routes(Api api) {
        api.document("/.well-known/jwks.json", this::document)
                .tag("keys")
                .summary("JSON Web Key Set of the signing keys")
                .returns(200, "JWK Set");
    }
}
