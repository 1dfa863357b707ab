package dev.gatehouse.platform.http;

import java.util.Locale;
import java.util.Optional;

/**
 * Facts about the calling client that services record (audit, sessions) without seeing HTTP types. {@code languages}
 * is what the caller said of its languages, in {@code Accept-Language} form (a hosted page puts its own language
 * there, {@link #inLanguage}); the mails a call sends speak {@link #language()}. {@code deviceTrust} is the SHA-256 of
 * the device's trust token ({@code X-Device-Trust} or the trust cookie, ADR 0008), never the token itself.
 */
public record RequestInfo(
        String ip,
        String userAgent,
        Optional<String> deviceId,
        String requestId,
        String languages,
        Optional<String> deviceTrust) {
    /** Without any language preference (English). */
    public RequestInfo(String ip, String userAgent, Optional<String> deviceId, String requestId) {
        this(ip, userAgent, deviceId, requestId, null);
    }

    /** Without a device trust token. */
    public RequestInfo(String ip, String userAgent, Optional<String> deviceId, String requestId, String languages) {
        this(ip, userAgent, deviceId, requestId, languages, Optional.empty());
    }

    public static RequestInfo internal() {
        return new RequestInfo("127.0.0.1", "gatehouse", Optional.empty(), "internal");
    }

    /** The supported language the caller prefers; English when it named none of them. */
    public Locale language() {
        return Messages.resolve(null, null, languages);
    }

    /** The same caller, speaking {@code language} (the language of the hosted page it used). */
    public RequestInfo inLanguage(Locale language) {
        return new RequestInfo(ip, userAgent, deviceId, requestId, language.toLanguageTag(), deviceTrust);
    }
}
