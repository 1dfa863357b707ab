package dev.gatehouse.platform.http;

import java.util.LinkedHashMap;
import java.util.Map;

/** What the OpenAPI document says about one route; filled in fluently where the route is declared. */
public final class Operation {
    public enum Access {
        PUBLIC,
        BEARER,
        HIDDEN
    }

    private final String method;
    private final String path;
    private String summary = "";
    private String tag = "default";
    private Class<?> requestBody;
    private String requestContentType = "application/json";
    private final Map<Integer, Object> responses = new LinkedHashMap<>();
    private Access access = Access.PUBLIC;
    private String permission;
    private final Map<String, String> queryParams = new LinkedHashMap<>();

    Operation(String method, String path) {
        this.method = method;
        this.path = path;
    }

    public Operation summary(String text) {
        this.summary = text;
        return this;
    }

    public Operation tag(String name) {
        this.tag = name;
        return this;
    }

    public Operation body(Class<?> type) {
        this.requestBody = type;
        return this;
    }

    public Operation body(Class<?> type, String contentType) {
        this.requestBody = type;
        this.requestContentType = contentType;
        return this;
    }

    /** A response: a record class for a JSON body, or a String description for a body-less or non-JSON answer. */
    public Operation returns(int status, Object typeOrDescription) {
        responses.put(status, typeOrDescription);
        return this;
    }

    public Operation bearer() {
        this.access = Access.BEARER;
        return this;
    }

    public Operation permission(String name) {
        this.access = Access.BEARER;
        this.permission = name;
        return this;
    }

    /** How the operation's errors are written: as its surface answers them ({@link Api#operations}). */
    public enum Errors {
        /** RFC 9457 problem details: the /v1 API and the server's own documents. */
        PROBLEM,
        /** RFC 6749 §5.2 errors: the OAuth endpoints ({@link Api#problemsAs}). */
        OAUTH,
        /** An HTML page for a browser: the hosted pages ({@link Api#pages}). */
        PAGE
    }

    private Errors errors = Errors.PROBLEM;

    Operation errors(Errors format) {
        this.errors = format;
        return this;
    }

    public Errors errors() {
        return errors;
    }

    public Operation hidden() {
        this.access = Access.HIDDEN;
        return this;
    }

    public Operation query(String name, String description) {
        queryParams.put(name, description);
        return this;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    public String summaryText() {
        return summary;
    }

    public String tagName() {
        return tag;
    }

    public Class<?> requestBody() {
        return requestBody;
    }

    public String requestContentType() {
        return requestContentType;
    }

    public Map<Integer, Object> responses() {
        return responses;
    }

    public Access access() {
        return access;
    }

    public String permissionName() {
        return permission;
    }

    public Map<String, String> queryParams() {
        return queryParams;
    }
}
