package dev.gatehouse.platform.http;

import java.util.Optional;

/** Facts about the calling client that services record (audit, sessions) without seeing HTTP types. */
public record RequestInfo(String ip, String userAgent, Optional<String> deviceId, String requestId) {
    public static RequestInfo internal() {
        return new RequestInfo("127.0.0.1", "gatehouse", Optional.empty(), "internal");
    }
}
