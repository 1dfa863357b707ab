package dev.gatehouse.account;

import java.util.List;
import java.util.Optional;

/**
 * A short name for a {@code User-Agent} header, as the account page shows a browser or device: the browser and the
 * operating system ("Firefox", "Linux"), by the tokens the major browsers send. Only a name to recognise one's own
 * browsers by; nothing decides anything by it. A header it does not recognise is shown as it came.
 */
final class UserAgents {
    /** A browser or system, and the header tokens that name it; the first that matches wins. */
    private record Name(String name, List<String> tokens) {
        boolean in(String ua) {
            return tokens.stream().anyMatch(ua::contains);
        }
    }

    // Order matters: Edge, Opera and Samsung Internet also say Chrome, and Chrome also says Safari.
    private static final List<Name> BROWSERS = List.of(
            new Name("Edge", List.of("Edg/", "EdgA/", "EdgiOS/", "Edge/")),
            new Name("Opera", List.of("OPR/", "Opera")),
            new Name("Samsung Internet", List.of("SamsungBrowser/")),
            new Name("Firefox", List.of("Firefox/", "FxiOS/")),
            new Name("Chromium", List.of("Chromium/")),
            new Name("Chrome", List.of("Chrome/", "CriOS/")),
            new Name("Safari", List.of("Version/")));

    // Android says Linux, and iOS says "like Mac OS X".
    private static final List<Name> SYSTEMS = List.of(
            new Name("Windows", List.of("Windows")),
            new Name("Android", List.of("Android")),
            new Name("iOS", List.of("iPhone", "iPad", "iPod")),
            new Name("ChromeOS", List.of("CrOS")),
            new Name("macOS", List.of("Macintosh", "Mac OS X")),
            new Name("Linux", List.of("Linux")));

    private UserAgents() {}

    /** The browser's name, if the header names one it knows. */
    static Optional<String> browser(String ua) {
        if (ua == null) return Optional.empty();
        // Safari's Version/ token only counts next to Safari/ (other agents send Version/ too).
        return BROWSERS.stream()
                .filter(b -> b.in(ua) && (!b.name().equals("Safari") || ua.contains("Safari/")))
                .map(Name::name)
                .findFirst();
    }

    /** The operating system's name, if the header names one it knows. */
    static Optional<String> system(String ua) {
        if (ua == null) return Optional.empty();
        return SYSTEMS.stream().filter(s -> s.in(ua)).map(Name::name).findFirst();
    }
}
