package dev.gatehouse.platform.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** Collects field errors of one request and throws them together as a 422 problem. */
public final class Validator {
    // Pragmatic address syntax (HTML5's "valid e-mail address"), with a dot required in the domain.
    private static final Pattern EMAIL = Pattern.compile(
            "^[a-zA-Z0-9.!#$%&'*+/=?^_`{|}~-]+@[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?)+$");

    private final Map<String, String> errors = new LinkedHashMap<>();

    public Validator required(String field, Object value) {
        if (value == null || (value instanceof String s && s.isBlank())) errors.putIfAbsent(field, "is required");
        return this;
    }

    /**
     * A required single-line string of at most {@code max} characters: no control characters, no line or paragraph
     * separators (U+2028/9 end lines in JavaScript and logs), no unpaired surrogates (not text; storage mangles them).
     */
    public Validator text(String field, String value, int max) {
        required(field, value);
        return optionalText(field, value, max);
    }

    public Validator optionalText(String field, String value, int max) {
        if (value == null) return this;
        textProblem(value, max).ifPresent(message -> errors.putIfAbsent(field, message));
        return this;
    }

    /** What is wrong with a single-line text value, if anything; for checks outside a request body record. */
    public static java.util.Optional<String> textProblem(String value, int max) {
        if (value.length() > max) return java.util.Optional.of("must be at most " + max + " characters");
        if (hasControl(value)) return java.util.Optional.of("must not contain control characters");
        if (hasUnpairedSurrogate(value)) return java.util.Optional.of("must be valid Unicode text");
        return java.util.Optional.empty();
    }

    /**
     * {@link #textProblem}, and no bidirectional formatting characters either: for text shown to people on other
     * parties' pages (a client's name on the consent page, a user's name in every relying party's userinfo), where an
     * override could make the text read as something else.
     */
    public static java.util.Optional<String> shownTextProblem(String value, int max) {
        var problem = textProblem(value, max);
        if (problem.isPresent()) return problem;
        if (value.codePoints().anyMatch(Validator::isBidiFormatting))
            return java.util.Optional.of("must not contain bidirectional formatting characters");
        return java.util.Optional.empty();
    }

    /** Unicode's bidirectional formatting characters: marks, embeddings, overrides and isolates (UAX #9). */
    public static boolean isBidiFormatting(int c) {
        return c == 0x061C
                || c == 0x200E
                || c == 0x200F
                || (c >= 0x202A && c <= 0x202E)
                || (c >= 0x2066 && c <= 0x2069);
    }

    public Validator email(String field, String value) {
        text(field, value, 254);
        if (value != null && !errors.containsKey(field) && !EMAIL.matcher(value).matches()) {
            errors.put(field, "is not a valid email address");
        }
        return this;
    }

    public Validator check(boolean ok, String field, String message) {
        if (!ok) errors.putIfAbsent(field, message);
        return this;
    }

    public void throwIfInvalid() {
        if (!errors.isEmpty()) throw Problem.validation(errors);
    }

    private static boolean hasControl(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') return true;
        }
        return false;
    }

    private static boolean hasUnpairedSurrogate(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return true;
        }
        return false;
    }
}
