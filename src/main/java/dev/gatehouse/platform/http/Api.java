package dev.gatehouse.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.javalin.http.HandlerType;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** Declares routes on the server and remembers each one for the OpenAPI document. */
public final class Api {
    private final RoutesConfig routes;
    private final List<Operation> operations = new ArrayList<>();
    private final Map<String, Supplier<PublicDocument>> documents;
    private final Map<String, FormEndpoint> forms;
    private final Map<String, FormEndpoint> reads;
    private final ObjectMapper mapper;
    private final ProblemFormats formats;

    Api(
            RoutesConfig routes,
            Map<String, Supplier<PublicDocument>> documents,
            Map<String, FormEndpoint> forms,
            Map<String, FormEndpoint> reads,
            ObjectMapper mapper,
            ProblemFormats formats) {
        this.routes = routes;
        this.documents = documents;
        this.forms = forms;
        this.reads = reads;
        this.mapper = mapper;
        this.formats = formats;
    }

    public Operation get(String path, Handler handler) {
        return add(HandlerType.GET, path, handler);
    }

    public Operation post(String path, Handler handler) {
        return add(HandlerType.POST, path, handler);
    }

    public Operation put(String path, Handler handler) {
        return add(HandlerType.PUT, path, handler);
    }

    public Operation patch(String path, Handler handler) {
        return add(HandlerType.PATCH, path, handler);
    }

    public Operation delete(String path, Handler handler) {
        return add(HandlerType.DELETE, path, handler);
    }

    /**
     * A public document at {@code path}, {@code current} giving its latest rendering (cached by the caller): served
     * by the server's fast path for a plain GET or HEAD of exactly this path, and by this route otherwise, with the
     * same headers and bytes either way.
     */
    public Operation document(String path, Supplier<PublicDocument> current) {
        documents.put(path, current);
        return get(path, ctx -> {
            PublicDocument d = current.get();
            boolean gzip = d.servesGzip(ctx.header("Accept-Encoding"));
            ctx.disableCompression(); // the document brings its own gzipped form
            d.headers(ctx::header, gzip);
            ctx.result(d.bytes(gzip));
        });
    }

    /**
     * A form endpoint at {@code path}: a POST with a form body is answered by the server's fast path, anything else
     * by this route, with the same answer either way (ADR 0016). Answers are never compressed: they carry secrets,
     * and compressing secrets next to attacker-chosen text leaks them (BREACH).
     */
    public Operation form(String path, FormEndpoint endpoint) {
        forms.put(path, endpoint);
        return post(path, ctx -> answer(endpoint, ctx).send(ctx, mapper));
    }

    /**
     * A read endpoint at {@code path}: a GET, its query as the form, answered by the server's fast path like a form
     * endpoint, and by this route when the fast path passes (a HEAD), with the same answer (ADR 0026).
     */
    public Operation read(String path, FormEndpoint endpoint) {
        reads.put(path, endpoint);
        return get(path, ctx -> {
            Map<String, List<String>> query;
            try {
                query = queryOf(ctx.req().getQueryString());
            } catch (IllegalArgumentException e) {
                endpoint.malformed(FormEndpoint.MALFORMED_QUERY).send(ctx, mapper);
                return;
            }
            endpoint.handle(call(ctx, query)).send(ctx, mapper);
        });
    }

    /**
     * A read endpoint's query as its form, decoded strictly as UTF-8 on both paths (Javalin's own decoding drops a
     * broken escape and goes on).
     *
     * @throws IllegalArgumentException for a query that is not well-formed
     */
    static Map<String, List<String>> queryOf(String rawQuery) {
        Map<String, List<String>> query = new java.util.LinkedHashMap<>();
        if (rawQuery == null || rawQuery.isEmpty()) return query;
        try {
            org.eclipse.jetty.util.UrlEncoded.decodeTo(
                    rawQuery,
                    (k, v) -> query.computeIfAbsent(k, x -> new java.util.ArrayList<>())
                            .add(v),
                    java.nio.charset.StandardCharsets.UTF_8);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(FormEndpoint.MALFORMED_QUERY, e);
        }
        return query;
    }

    /** The call of a form or read endpoint from a request on a route of its own, with {@code form} as its fields. */
    public static FormCall call(Context ctx, Map<String, List<String>> form) {
        var headers = new FormCall.Headers() {
            @Override
            public String first(String name) {
                return ctx.header(name);
            }

            @Override
            public List<String> all(String name) {
                return java.util.Collections.list(ctx.req().getHeaders(name));
            }
        };
        return new FormCall(ctx.method().name(), form, headers, Web.requestInfo(ctx));
    }

    private static FormAnswer answer(FormEndpoint endpoint, Context ctx) {
        if (!FormEndpoint.isForm(ctx.header("Content-Type")))
            return endpoint.malformed("the body must be application/x-www-form-urlencoded");
        if (!FormEndpoint.asciiCompatible(ctx.header("Content-Type")))
            return endpoint.malformed(FormEndpoint.UNREADABLE_CHARSET);
        Map<String, List<String>> form;
        try {
            form = formOf(ctx);
        } catch (IllegalArgumentException e) {
            return endpoint.malformed(FormEndpoint.MALFORMED);
        }
        return endpoint.handle(call(ctx, form));
    }

    /**
     * The fields of a request's {@code application/x-www-form-urlencoded} body; empty for any other body.
     *
     * @throws IllegalArgumentException for a form that is not well-formed
     */
    public static Map<String, List<String>> formOf(Context ctx) {
        if (!FormEndpoint.isForm(ctx.header("Content-Type"))) return Map.of();
        // Jetty's strict decoder, as on the fast path (Javalin's would drop a field with a broken escape).
        Map<String, List<String>> form = new java.util.LinkedHashMap<>();
        try {
            var charset = java.nio.charset.Charset.forName(ctx.characterEncoding());
            org.eclipse.jetty.util.UrlEncoded.decodeTo(
                    ctx.body(),
                    (k, v) -> form.computeIfAbsent(k, x -> new java.util.ArrayList<>())
                            .add(v),
                    charset);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(FormEndpoint.MALFORMED, e);
        }
        return form;
    }

    /**
     * Answers CORS preflights (and plain {@code OPTIONS}) for {@code path}, whose routes allow {@code methods} to
     * browser-based clients of any origin; each answer then says which origin may read it ({@link Cors}, ADR 0017).
     */
    public Operation preflight(String path, String methods) {
        return add(HandlerType.OPTIONS, path, ctx -> Cors.preflight(ctx, methods))
                .summary("CORS preflight: " + methods + " from a browser-based client's origin (ADR 0017)")
                .returns(204, "the methods and headers allowed");
    }

    private Operation add(HandlerType type, String path, Handler handler) {
        routes.addHttpHandler(type, path, handler);
        var op = new Operation(type.name().toLowerCase(java.util.Locale.ROOT), path);
        operations.add(op);
        return op;
    }

    /** Maps a feature's own error type (e.g. RFC 6749 errors) to a response; registered by that feature's routes. */
    public <E extends Exception> void exception(Class<E> type, io.javalin.http.ExceptionHandler<? super E> handler) {
        routes.exception(type, handler);
    }

    /**
     * The errors the server itself answers at {@code path} and below it (405, 413, a malformed request, 500, 503) in
     * the format of the surface that owns it, RFC 6749 errors for the OAuth endpoints (the OpenAPI document describes
     * these paths' errors so), instead of RFC 9457 problems; {@code format} gets the problem (its headers, such as
     * {@code Retry-After}, are added).
     */
    public void problemsAs(String path, java.util.function.Function<Problem, FormAnswer> format) {
        formats.register(path, format);
    }

    /**
     * Hosted pages at these paths and below them: what the server itself refuses there (a database outage, a failure,
     * 405, 413) reaches a browser, which asks for HTML, as an error page in the visitor's language instead of a JSON
     * problem. Calls a page's script makes (JSON) keep RFC 9457 problems.
     */
    public void pages(String... paths) {
        for (String path : paths) formats.registerPage(path);
    }

    /** The routes as declared, each with the error format of the surface its path belongs to. */
    public List<Operation> operations() {
        for (Operation op : operations) {
            // A page's script endpoint (it answers JSON) gets problems, as its script does not ask for HTML.
            boolean json = op.responses().values().stream().anyMatch(Class.class::isInstance);
            op.errors(
                    formats.isPage(op.path()) && !json
                            ? Operation.Errors.PAGE
                            : formats.hasOwnFormat(op.path()) ? Operation.Errors.OAUTH : Operation.Errors.PROBLEM);
        }
        return List.copyOf(operations);
    }
}
