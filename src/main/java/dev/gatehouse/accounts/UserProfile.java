package dev.gatehouse.accounts;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.gatehouse.platform.http.Validator;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.DateTimeException;
import java.time.LocalDate;
import java.time.MonthDay;
import java.time.Year;
import java.time.ZoneId;
import java.util.Collections;
import java.util.IllformedLocaleException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * The OIDC Core §5.1 standard claims an account may carry beyond its email and names: the rest of the {@code profile}
 * scope's claims, {@code phone_number} and {@code address}. Values are strings, and the address is an object of
 * strings (§5.1.1). Each value is checked when it is set ({@link #check}), so what is stored is what userinfo may
 * release. Kept as one JSON object in {@code users.profile_claims}.
 */
public record UserProfile(Map<String, Object> claims) {
    public static final UserProfile EMPTY = new UserProfile(Map.of());

    /** The claims kept here, in the order OIDC Core §5.1 lists them. */
    public static final List<String> NAMES = List.of(
            "middle_name",
            "nickname",
            "preferred_username",
            "profile",
            "picture",
            "website",
            "gender",
            "birthdate",
            "zoneinfo",
            "locale",
            "phone_number",
            "address");

    /** OIDC Core §5.1.1's address members. */
    public static final List<String> ADDRESS_MEMBERS =
            List.of("formatted", "street_address", "locality", "region", "postal_code", "country");

    /** E.164: a '+', then up to 15 digits, the first not 0 (OIDC Core §5.1 recommends this format). */
    private static final Pattern E164 = Pattern.compile("\\+[1-9][0-9]{6,14}");

    private static final Pattern BIRTHDATE = Pattern.compile("([0-9]{4})(?:-([0-9]{2})-([0-9]{2}))?");

    private static final ObjectMapper JSON = new ObjectMapper();

    public UserProfile {
        claims = Map.copyOf(claims);
    }

    public Optional<Object> get(String claim) {
        return Optional.ofNullable(claims.get(claim));
    }

    /** This profile with {@code changes} applied: a value sets its claim, an empty one clears it. */
    public UserProfile with(Map<String, Optional<Object>> changes) {
        var next = new TreeMap<>(claims);
        changes.forEach((k, v) -> v.ifPresentOrElse(x -> next.put(k, x), () -> next.remove(k)));
        return new UserProfile(next);
    }

    /**
     * The value to store for {@code claim} from a JSON value: empty for null or an empty string (the claim is
     * cleared), or the checked value.
     *
     * @throws IllegalArgumentException naming the claim and what it must be
     */
    public static Optional<Object> check(String claim, JsonNode v) {
        if (!NAMES.contains(claim))
            throw new IllegalArgumentException(
                    "the claim " + safe(claim) + " is not one of " + String.join(", ", NAMES));
        if (v == null || v.isNull() || (v.isTextual() && v.asText().isBlank())) return Optional.empty();
        if (claim.equals("address")) return address(v);
        if (!v.isTextual()) throw new IllegalArgumentException(claim + " must be a string or null");
        String s = v.asText().strip();
        String problem = Validator.shownTextProblem(s, Integer.MAX_VALUE).orElse(null);
        if (problem != null) throw new IllegalArgumentException(claim + " " + problem);
        problem = switch (claim) {
            case "profile", "picture", "website" -> url(s);
            case "birthdate" -> birthdate(s);
            case "zoneinfo" -> zoneinfo(s);
            case "locale" -> locale(s);
            case "phone_number" ->
                E164.matcher(s).matches()
                        ? null
                        : "must be an E.164 number: '+', the country code and the number, digits only";
            default -> line(s, 100);
        };
        if (problem != null) throw new IllegalArgumentException(claim + " " + problem);
        return Optional.of(claim.equals("locale") ? Locale.forLanguageTag(s).toLanguageTag() : s);
    }

    private static Optional<Object> address(JsonNode v) {
        if (!v.isObject())
            throw new IllegalArgumentException("address must be an object of " + String.join(", ", ADDRESS_MEMBERS));
        for (var it = v.fieldNames(); it.hasNext(); ) {
            String member = it.next();
            if (!ADDRESS_MEMBERS.contains(member))
                throw new IllegalArgumentException(
                        "address members are " + String.join(", ", ADDRESS_MEMBERS) + "; not " + safe(member));
        }
        var out = new LinkedHashMap<String, String>();
        for (String member : ADDRESS_MEMBERS) {
            JsonNode m = v.get(member);
            if (m == null || m.isNull()) continue;
            if (!m.isTextual()) throw new IllegalArgumentException("address." + member + " must be a string or null");
            String s = m.asText().strip();
            if (s.isEmpty()) continue;
            boolean multiline = member.equals("formatted") || member.equals("street_address");
            String problem = multiline ? lines(s) : line(s, 200);
            if (problem != null) throw new IllegalArgumentException("address." + member + " " + problem);
            out.put(member, s.replace("\r\n", "\n"));
        }
        return out.isEmpty() ? Optional.empty() : Optional.of(Collections.unmodifiableMap(out));
    }

    /**
     * One line of text as every relying party receives it: the rule client names follow too (no control, line or
     * paragraph separator, bidirectional formatting characters, nor unpaired surrogates).
     */
    static String line(String s, int max) {
        return Validator.shownTextProblem(s, max).orElse(null);
    }

    /** §5.1.1: formatted and street_address may hold line breaks; each line is text as {@link #line} has it. */
    private static String lines(String s) {
        if (s.length() > 500) return "must be at most 500 characters";
        for (String line : s.split("\r\n|\r|\n", -1)) {
            String problem = line(line, 500);
            if (problem != null) return problem + " (line breaks are allowed)";
        }
        return null;
    }

    private static String url(String s) {
        String problem = "must be an absolute http or https URL of at most 2000 characters";
        if (s.length() > 2000) return problem;
        try {
            var u = new URI(s);
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("https") || scheme.equals("http")) && u.getHost() != null ? null : problem;
        } catch (URISyntaxException e) {
            return problem;
        }
    }

    /** §5.1: YYYY-MM-DD, YYYY alone, or 0000-MM-DD when the year is withheld. */
    private static String birthdate(String s) {
        String problem = "must be a date as YYYY-MM-DD, a year as YYYY, or 0000-MM-DD without the year";
        var m = BIRTHDATE.matcher(s);
        if (!m.matches()) return problem;
        try {
            if (m.group(2) == null) return m.group(1).equals("0000") ? problem : null;
            int month = Integer.parseInt(m.group(2));
            int day = Integer.parseInt(m.group(3));
            if (m.group(1).equals("0000")) MonthDay.of(month, day);
            else LocalDate.of(Year.parse(m.group(1)).getValue(), month, day);
            return null;
        } catch (DateTimeException e) {
            return problem;
        }
    }

    private static String zoneinfo(String s) {
        return s.length() <= 64 && ZoneId.getAvailableZoneIds().contains(s)
                ? null
                : "must be a time zone of the IANA database, such as Europe/Paris";
    }

    private static String locale(String s) {
        try {
            new Locale.Builder().setLanguageTag(s);
            return s.length() <= 35 ? null : "must be a BCP 47 language tag, such as en-US";
        } catch (IllformedLocaleException e) {
            return "must be a BCP 47 language tag, such as en-US";
        }
    }

    /** A member name as it may be echoed in an error: short, and only characters that need no escaping. */
    static String safe(String name) {
        return name.length() <= 40 && name.matches("[A-Za-z0-9_]+") ? name : "in the body";
    }

    /** The stored form, or null for no claims (the column stays empty). */
    public String toJson() {
        if (claims.isEmpty()) return null;
        try {
            return JSON.writeValueAsString(new TreeMap<>(claims));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The stored form read back; only the claims this class keeps, as it keeps them. */
    public static UserProfile fromJson(String json) {
        if (json == null || json.isBlank()) return EMPTY;
        try {
            var node = JSON.readTree(json);
            var out = new TreeMap<String, Object>();
            for (String name : NAMES) {
                var v = node.get(name);
                if (v == null || v.isNull()) continue;
                if (v.isObject()) {
                    var address = new LinkedHashMap<String, String>();
                    for (String member : ADDRESS_MEMBERS)
                        if (v.hasNonNull(member))
                            address.put(member, v.get(member).asText());
                    out.put(name, Collections.unmodifiableMap(address));
                } else {
                    out.put(name, v.asText());
                }
            }
            return new UserProfile(out);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("users.profile_claims is not a JSON object", e);
        }
    }
}
