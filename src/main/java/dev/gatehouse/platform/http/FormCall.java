package dev.gatehouse.platform.http;

import java.util.List;
import java.util.Map;

/**
 * One call of a {@link FormEndpoint}: its method ({@code POST}, or {@code GET} for a read endpoint, whose query is the
 * form), the form's fields in order (a name may repeat), the request's headers and the facts services record about
 * the caller.
 */
public record FormCall(String method, Map<String, List<String>> form, Headers headers, RequestInfo info) {
    /** Request headers, names case-insensitive. */
    public interface Headers {
        /** The first value of {@code name}, or null. */
        String first(String name);

        /** Every value of {@code name}, in order; empty when absent. */
        List<String> all(String name);
    }

    public String header(String name) {
        return headers.first(name);
    }
}
