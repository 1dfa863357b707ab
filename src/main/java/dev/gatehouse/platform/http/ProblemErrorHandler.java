package dev.gatehouse.platform.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Jetty's own error answers (a request line, header or framing it refuses before Javalin sees the request: 400, 414,
 * 431, 417, ...) as RFC 9457 problems instead of its HTML page, or in the format of the surface the path belongs to
 * ({@link ProblemFormats}). The detail is ours; Jetty's reason text stays out of
 * the response because it can quote the offending input.
 */
final class ProblemErrorHandler implements Request.Handler {
    private final ObjectMapper mapper;
    private final ProblemFormats formats;

    ProblemErrorHandler(ObjectMapper mapper, ProblemFormats formats) {
        this.mapper = mapper;
        this.formats = formats;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) {
        int status = response.getStatus();
        if (request.getAttribute(ErrorHandler.ERROR_EXCEPTION) instanceof HttpException e) status = e.getCode();
        if (status < 400) status = 500;
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
        response.getHeaders().put("X-Content-Type-Options", "nosniff");
        if (HttpStatus.hasNoBody(status) || "HEAD".equals(request.getMethod())) {
            callback.succeeded();
            return true;
        }
        String title = HttpStatus.getMessage(status);
        String code = title.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9]+", "_");
        var problem = new Problem(status, code, title, detail(status), null);
        FormAnswer answer = formats.answer(pathOf(request), problem);
        answer.headers().forEach((k, v) -> response.getHeaders().put(k, v));
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, answer.contentType());
        byte[] bytes = Json.write(mapper, answer.body()).getBytes(StandardCharsets.UTF_8);
        response.write(true, ByteBuffer.wrap(bytes), callback);
        return true;
    }

    /** The request's path, or null when Jetty could not make one out (the request it refuses may be garbage). */
    private static String pathOf(Request request) {
        try {
            var uri = request.getHttpURI();
            return uri == null ? null : uri.getPath();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String detail(int status) {
        return switch (status) {
            case 400 -> "The request is not well-formed HTTP (request line, headers or framing)";
            case 413 -> "The body must be at most 1 MiB";
            case 414 -> "The request target is too long";
            case 431 -> "The request headers are too large";
            default -> status >= 500 ? "The server could not answer" : "The request could not be processed";
        };
    }
}
