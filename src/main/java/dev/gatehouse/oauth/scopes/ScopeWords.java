package dev.gatehouse.oauth.scopes;

import dev.gatehouse.platform.http.Html;
import dev.gatehouse.platform.http.Messages;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Scopes in plain words on the hosted pages (consent, device confirmation, the account page's applications): the
 * standard ones in the visitor's language ({@code scope.<name>} messages), others as the administrator described them
 * ({@link ScopeService#describe}), or by name.
 */
public final class ScopeWords {
    private ScopeWords() {}

    /** One escaped {@code <li>} per scope of {@code described}, in its order. */
    public static String listItems(Messages t, Map<String, String> described) {
        return described.entrySet().stream()
                .map(e -> "<li>"
                        + (t.has("scope." + e.getKey()) ? t.html("scope." + e.getKey()) : Html.escape(e.getValue()))
                        + "</li>")
                .collect(Collectors.joining("\n"));
    }
}
