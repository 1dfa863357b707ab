package dev.gatehouse.oauth;

import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.platform.http.FormEndpoint;
import java.util.Map;
import java.util.function.Function;

/** A form endpoint of the OAuth surface: its {@link OAuthError}s, and a body that is not a form, answer RFC 6749 §5.2. */
public final class OAuthForm implements FormEndpoint {
    private final Function<FormCall, FormAnswer> handler;
    private final Function<FormCall, Map<String, String>> cors;

    private OAuthForm(Function<FormCall, FormAnswer> handler, Function<FormCall, Map<String, String>> cors) {
        this.handler = handler;
        this.cors = cors;
    }

    public static OAuthForm of(Function<FormCall, FormAnswer> handler) {
        return new OAuthForm(handler, call -> Map.of());
    }

    /** This endpoint, with the CORS headers {@code cors} gives for a call on each of its answers, refusals too. */
    public OAuthForm withCors(Function<FormCall, Map<String, String>> cors) {
        return new OAuthForm(handler, cors);
    }

    @Override
    public FormAnswer handle(FormCall call) {
        FormAnswer answer;
        try {
            answer = handler.apply(call);
        } catch (OAuthError e) {
            answer = e.answer();
        }
        return answer.plus(cors.apply(call));
    }

    @Override
    public FormAnswer malformed(String reason) {
        return OAuthError.invalidRequest(reason).answer();
    }
}
