package dev.gatehouse.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpCookie;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.FormFields;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.MDC;

/**
 * The fast path for {@link FormEndpoint}s ({@link FastPath}, ADR 0016): a POST of a form to an endpoint's exact
 * path, or a GET of a read endpoint's ({@link Api#read}, ADR 0026), is parsed and answered here, with the request id,
 * security headers, metrics and access log every request gets. Another method or content type, or a declared body
 * over 1 MiB, goes on to the endpoint's Javalin route, which answers as before (405, the endpoint's own error, 413).
 */
final class FormRoute implements FastPath.Route {
    /** Jetty's own default; far more than any endpoint here takes. */
    private static final int MAX_FIELDS = 1000;

    private final Map<String, FormEndpoint> endpoints;
    private final Map<String, FormEndpoint> reads;
    private final boolean https;
    private final FastPath.Served served;
    private final ObjectMapper mapper;
    private final ProblemFormats formats;

    FormRoute(
            Map<String, FormEndpoint> endpoints,
            Map<String, FormEndpoint> reads,
            boolean https,
            FastPath.Served served,
            ObjectMapper mapper,
            ProblemFormats formats) {
        this.endpoints = endpoints;
        this.reads = reads;
        this.https = https;
        this.served = served;
        this.mapper = mapper;
        this.formats = formats;
    }

    @Override
    public boolean serve(Request request, Response response, Callback callback) {
        String method = request.getMethod();
        boolean get = "GET".equals(method);
        if (!get && !"POST".equals(method)) return false;
        String path = request.getHttpURI().getPath();
        FormEndpoint endpoint = path == null ? null : (get ? reads : endpoints).get(path);
        HttpFields in = request.getHeaders();
        if (endpoint == null) return false;
        if (!get
                && (!FormEndpoint.isForm(in.get(HttpHeader.CONTENT_TYPE))
                        // Javalin refuses an unknown charset (415), in the surface's format
                        || !HttpServer.knownCharset(in.get(HttpHeader.CONTENT_TYPE))
                        || in.getLongField(HttpHeader.CONTENT_LENGTH) > HttpServer.MAX_BODY_BYTES)) return false;

        var exchange = new FastPath.Exchange(request, path, https, served);
        FormAnswer answer;
        MDC.put("request_id", exchange.requestId);
        try {
            answer = answer(endpoint, request, get, path, exchange.ip, exchange.requestId);
        } finally {
            MDC.remove("request_id");
        }
        byte[] body = answer.body() == null
                ? new byte[0]
                : Json.write(mapper, answer.body()).getBytes(StandardCharsets.UTF_8);
        exchange.answer(
                response,
                callback,
                answer.status(),
                h -> {
                    h.put(HttpHeader.CONTENT_TYPE, answer.contentType()); // as Javalin does, even without a body
                    answer.headers().forEach(h::put);
                    answer.repeated().forEach(e -> h.add(e.getKey(), e.getValue()));
                },
                ByteBuffer.wrap(body),
                false);
        return true;
    }

    private FormAnswer answer(
            FormEndpoint endpoint, Request request, boolean get, String path, String ip, String requestId) {
        Map<String, List<String>> form;
        if (get) {
            // Api.queryOf, as the endpoint's Javalin route reads it, so a HEAD or a trailing slash answers alike.
            try {
                form = Api.queryOf(request.getHttpURI().getQuery());
            } catch (IllegalArgumentException e) {
                return endpoint.malformed(FormEndpoint.MALFORMED_QUERY);
            }
        } else if (!FormEndpoint.asciiCompatible(request.getHeaders().get(HttpHeader.CONTENT_TYPE))) {
            return endpoint.malformed(FormEndpoint.UNREADABLE_CHARSET);
        } else {
            try {
                form = map(FormFields.getFields(request, MAX_FIELDS, (int) HttpServer.MAX_BODY_BYTES));
            } catch (RuntimeException e) {
                return endpoint.malformed(FormEndpoint.MALFORMED);
            }
        }
        HttpFields in = request.getHeaders();
        var info = Web.info(
                ip,
                in.get(HttpHeader.USER_AGENT),
                in.get("X-Device-Id"),
                () -> cookie(request, Web.deviceCookie(https).name()),
                in.get("X-Device-Trust"),
                () -> cookie(request, Web.deviceTrustCookie(https).name()),
                requestId,
                in.get(HttpHeader.ACCEPT_LANGUAGE));
        try {
            return endpoint.handle(new FormCall(request.getMethod(), form, headers(in), info));
        } catch (Problem p) {
            return formats.answer(path, p);
        } catch (RuntimeException e) {
            return formats.answer(path, ErrorAnswers.unexpected(e, request.getMethod(), path, requestId));
        }
    }

    private static Map<String, List<String>> map(Fields fields) {
        Map<String, List<String>> form = new LinkedHashMap<>();
        for (Fields.Field f : fields) form.put(f.getName(), f.getValues());
        return form;
    }

    private static String cookie(Request request, String name) {
        for (HttpCookie c : Request.getCookies(request)) {
            if (name.equals(c.getName())) return c.getValue();
        }
        return null;
    }

    private static FormCall.Headers headers(HttpFields in) {
        return new FormCall.Headers() {
            @Override
            public String first(String name) {
                return in.get(name);
            }

            @Override
            public List<String> all(String name) {
                return in.getValuesList(name);
            }
        };
    }
}
