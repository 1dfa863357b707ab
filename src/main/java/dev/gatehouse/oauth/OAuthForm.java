package dev.gatehouse.oauth;

import dev.gatehouse.platform.http.FormAnswer;
import dev.gatehouse.platform.http.FormCall;
import dev.gatehouse.platform.http.FormEndpoint;
import java.util.function.Function;

/** A form endpoint of the OAuth surface: its {@link OAuthError}s, and a body that is not a form, answer RFC 6749 §5.2. */
public final class OAuthForm implements FormEndpoint {
    private final Function<FormCall, FormAnswer> handler;

    private OAuthForm(Function<FormCall, FormAnswer> handler) {
        this.handler = handler;
    }

    public static OAuthForm of(Function<FormCall, FormAnswer> handler) {
        return new OAuthForm(handler);
    }

    @Override
    public FormAnswer handle(FormCall call) {
        try {
            return handler.apply(call);
        } catch (OAuthError e) {
            return e.answer();
        }
    }

    @Override
    public FormAnswer malformed(String reason) {
        return OAuthError.invalidRequest(reason).answer();
    }
}
