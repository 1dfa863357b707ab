package dev.gatehouse.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.platform.http.Api;
import dev.gatehouse.platform.http.Json;
import dev.gatehouse.platform.http.OpenApi;
import dev.gatehouse.platform.http.Operation;
import dev.gatehouse.platform.http.RouteGroup;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.function.Supplier;

/** /openapi.json (built from the declared routes) and /docs (Swagger UI from its WebJar, no CDN). */
public final class DocsRoutes implements RouteGroup {
    private static final String SWAGGER = "/META-INF/resources/webjars/swagger-ui/5.34.1/";
    private static final String PAGE = """
            <!doctype html>
            <html lang="en"><head><meta charset="utf-8"><title>Gatehouse API</title>
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <link rel="stylesheet" href="/docs/assets/swagger-ui.css"></head>
            <body><div id="swagger-ui"></div>
            <script src="/docs/assets/swagger-ui-bundle.js"></script>
            <script src="/docs/init.js"></script></body></html>
            """;
    private static final String INIT = "window.ui = SwaggerUIBundle({url: '/openapi.json', dom_id: '#swagger-ui'});\n";

    private final String issuer;
    private final String version;
    private final ObjectMapper mapper;
    private final Supplier<List<Operation>> operations;
    private volatile String cached;

    public DocsRoutes(String issuer, String version, ObjectMapper mapper, Supplier<List<Operation>> operations) {
        this.issuer = issuer;
        this.version = version;
        this.mapper = mapper;
        this.operations = operations;
    }

    @Override
    public void routes(Api api) {
        api.get("/openapi.json", this::openapi)
                .tag("operations")
                .summary("This OpenAPI 3.1 document")
                .returns(200, "the OpenAPI document");
        api.get("/docs", this::page)
                .tag("operations")
                .summary("Browse the API (Swagger UI)")
                .returns(200, "HTML page");
        api.get(
                        "/docs/init.js",
                        ctx -> asset(ctx, INIT.getBytes(java.nio.charset.StandardCharsets.UTF_8), "text/javascript"))
                .hidden();
        api.get("/docs/assets/{file}", this::swaggerAsset).hidden();
    }

    private void openapi(Context ctx) {
        if (cached == null) cached = Json.write(mapper, OpenApi.document(issuer, version, operations.get()));
        ctx.header("Cache-Control", "public, max-age=60");
        ctx.header("Access-Control-Allow-Origin", "*");
        ctx.contentType("application/json").result(cached);
    }

    private void page(Context ctx) {
        docsPolicy(ctx);
        ctx.contentType("text/html; charset=utf-8").result(PAGE);
    }

    private void swaggerAsset(Context ctx) throws IOException {
        String file = ctx.pathParam("file");
        String type = switch (file) {
            case "swagger-ui.css" -> "text/css";
            case "swagger-ui-bundle.js" -> "text/javascript";
            default -> null;
        };
        if (type == null) {
            ctx.status(404);
            return;
        }
        try (InputStream in = DocsRoutes.class.getResourceAsStream(SWAGGER + file)) {
            if (in == null) {
                ctx.status(404);
                return;
            }
            asset(ctx, in.readAllBytes(), type);
        }
    }

    private static void asset(Context ctx, byte[] body, String type) {
        docsPolicy(ctx);
        ctx.header("Cache-Control", "public, max-age=86400");
        ctx.contentType(type).result(body);
    }

    private static void docsPolicy(Context ctx) {
        ctx.header(
                "Content-Security-Policy",
                "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline';"
                        + " frame-ancestors 'none'");
        ctx.header("Cache-Control", "no-cache");
    }
}
