package dev.gatehouse.platform.http;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Builds the OpenAPI 3.1 document from the routes as declared, with JSON Schemas derived from the request and response
 * records, so the document cannot drift from the code.
 */
public final class OpenApi {
    private OpenApi() {}

    public static Map<String, Object> document(String issuer, String version, List<Operation> operations) {
        var schemas = new LinkedHashMap<String, Object>();
        var paths = new LinkedHashMap<String, Map<String, Object>>();
        for (Operation op : operations) {
            if (op.access() == Operation.Access.HIDDEN) continue;
            var o = new LinkedHashMap<String, Object>();
            o.put("tags", List.of(op.tagName()));
            o.put("summary", op.summaryText());
            o.put("operationId", op.method() + op.path().replaceAll("[^A-Za-z0-9]+", "_"));
            var params = new ArrayList<Map<String, Object>>();
            for (String seg : op.path().split("/", -1)) {
                if (seg.startsWith("{") && seg.endsWith("}")) {
                    params.add(Map.of(
                            "name",
                            seg.substring(1, seg.length() - 1),
                            "in",
                            "path",
                            "required",
                            true,
                            "schema",
                            Map.of("type", "string")));
                }
            }
            op.queryParams()
                    .forEach((name, description) -> params.add(Map.of(
                            "name",
                            name,
                            "in",
                            "query",
                            "required",
                            false,
                            "description",
                            description,
                            "schema",
                            Map.of("type", "string"))));
            if (!params.isEmpty()) o.put("parameters", params);
            if (op.requestBody() != null) {
                o.put(
                        "requestBody",
                        Map.of(
                                "required",
                                true,
                                "content",
                                Map.of(
                                        op.requestContentType(),
                                        Map.of("schema", schemaRef(op.requestBody(), schemas)))));
            }
            var responses = new LinkedHashMap<String, Object>();
            op.responses().forEach((status, body) -> {
                if (body instanceof Class<?> type) {
                    responses.put(
                            status.toString(),
                            Map.of(
                                    "description",
                                    type.getSimpleName(),
                                    "content",
                                    Map.of("application/json", Map.of("schema", schemaRef(type, schemas)))));
                } else {
                    responses.put(
                            status.toString(),
                            status >= 400
                                    ? errorResponse(op.errors(), body.toString())
                                    : Map.of("description", body.toString()));
                }
            });
            if (op.access() == Operation.Access.BEARER) {
                o.put("security", List.of(Map.of("bearer", List.of()), Map.of("apiKey", List.of())));
                responses.putIfAbsent("401", errorResponse(op.errors(), "missing or invalid access token"));
                if (op.permissionName() != null) {
                    o.put("description", "Needs the `" + op.permissionName() + "` permission.");
                    responses.putIfAbsent("403", errorResponse(op.errors(), "missing permission"));
                }
            }
            if (op.requestBody() != null && op.errors() == Operation.Errors.PROBLEM) {
                responses.putIfAbsent("400", problemResponse("malformed body (e.g. code malformed_json)"));
                responses.putIfAbsent("415", problemResponse("the body is not of the declared media type"));
                responses.putIfAbsent("422", problemResponse("invalid fields"));
            }
            o.put("responses", responses);
            paths.computeIfAbsent(op.path(), p -> new LinkedHashMap<>()).put(op.method(), o);
        }
        schemas.put(
                "OAuthError",
                Map.of(
                        "type",
                        "object",
                        "description",
                        "RFC 6749 §5.2 error",
                        "required",
                        List.of("error"),
                        "properties",
                        Map.of(
                                "error", Map.of("type", "string"),
                                "error_description", Map.of("type", "string"),
                                "error_uri", Map.of("type", "string"))));
        schemas.put(
                "Problem",
                Map.of(
                        "type", "object",
                        "description", "RFC 9457 problem details",
                        "properties",
                                Map.of(
                                        "type", Map.of("type", "string"),
                                        "title", Map.of("type", "string"),
                                        "status", Map.of("type", "integer"),
                                        "detail", Map.of("type", "string"),
                                        "code", Map.of("type", "string"),
                                        "errors",
                                                Map.of(
                                                        "type",
                                                        "object",
                                                        "additionalProperties",
                                                        Map.of("type", "string")))));
        var doc = new LinkedHashMap<String, Object>();
        doc.put("openapi", "3.1.0");
        doc.put(
                "info",
                Map.of(
                        "title",
                        "Gatehouse API",
                        "version",
                        version,
                        "description",
                        "Identity and access server: accounts, sessions, OAuth 2.1 and OpenID Connect."));
        doc.put("servers", List.of(Map.of("url", issuer)));
        doc.put("paths", paths);
        doc.put(
                "components",
                Map.of(
                        "schemas",
                        schemas,
                        "securitySchemes",
                        Map.of(
                                "bearer", Map.of("type", "http", "scheme", "bearer", "bearerFormat", "JWT"),
                                "apiKey",
                                        Map.of(
                                                "type",
                                                "apiKey",
                                                "in",
                                                "header",
                                                "name",
                                                "X-API-Key",
                                                "description",
                                                "The access token of the bearer scheme, sent in X-API-Key instead"))));
        return doc;
    }

    /** An error answer as the operation's surface writes it: a problem, an RFC 6749 error, or an HTML page. */
    private static Map<String, Object> errorResponse(Operation.Errors format, String description) {
        return switch (format) {
            case PROBLEM -> problemResponse(description);
            case OAUTH ->
                Map.of(
                        "description",
                        description,
                        "content",
                        Map.of(
                                "application/json",
                                Map.of("schema", Map.of("$ref", "#/components/schemas/OAuthError"))));
            case PAGE ->
                Map.of(
                        "description",
                        description,
                        "content",
                        Map.of("text/html", Map.of("schema", Map.of("type", "string"))));
        };
    }

    private static Map<String, Object> problemResponse(String description) {
        return Map.of(
                "description",
                description,
                "content",
                Map.of("application/problem+json", Map.of("schema", Map.of("$ref", "#/components/schemas/Problem"))));
    }

    private static Map<String, Object> schemaRef(Class<?> type, Map<String, Object> schemas) {
        if (!type.isRecord()) return schemaOf(type, schemas);
        String name = type.getSimpleName();
        if (!schemas.containsKey(name)) {
            schemas.put(name, Map.of()); // placeholder against recursion
            var props = new LinkedHashMap<String, Object>();
            for (RecordComponent rc : type.getRecordComponents()) {
                // @JsonProperty does not target record components; javac copies it to the accessor.
                JsonProperty named = rc.getAccessor().getAnnotation(JsonProperty.class);
                String prop = named != null
                        ? named.value()
                        : PropertyNamingStrategies.SnakeCaseStrategy.INSTANCE.translate(rc.getName());
                props.put(prop, schemaOf(rc.getGenericType(), schemas));
            }
            schemas.put(name, Map.of("type", "object", "properties", props));
        }
        return Map.of("$ref", "#/components/schemas/" + name);
    }

    private static Map<String, Object> schemaOf(Type t, Map<String, Object> schemas) {
        if (t instanceof ParameterizedType pt) {
            Class<?> raw = (Class<?>) pt.getRawType();
            Type[] args = pt.getActualTypeArguments();
            if (Collection.class.isAssignableFrom(raw))
                return Map.of("type", "array", "items", schemaOf(args[0], schemas));
            if (Optional.class.equals(raw)) return schemaOf(args[0], schemas);
            if (Map.class.isAssignableFrom(raw)) return Map.of("type", "object");
            return Map.of("type", "object");
        }
        if (!(t instanceof Class<?> c)) return Map.of();
        if (c == String.class) return Map.of("type", "string");
        if (c == boolean.class || c == Boolean.class) return Map.of("type", "boolean");
        if (c == int.class || c == Integer.class || c == long.class || c == Long.class)
            return Map.of("type", "integer");
        if (c == double.class || c == Double.class) return Map.of("type", "number");
        if (c == UUID.class) return Map.of("type", "string", "format", "uuid");
        if (c == Instant.class) return Map.of("type", "string", "format", "date-time");
        if (c.isEnum()) {
            return Map.of(
                    "type",
                    "string",
                    "enum",
                    java.util.Arrays.stream(c.getEnumConstants())
                            .map(e -> e.toString().toLowerCase(java.util.Locale.ROOT))
                            .toList());
        }
        if (c.isRecord()) return schemaRef(c, schemas);
        return Map.of("type", "object");
    }
}
