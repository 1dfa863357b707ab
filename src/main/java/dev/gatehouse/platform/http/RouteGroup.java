package dev.gatehouse.platform.http;

/** A feature's routes; each feature contributes one or more groups to the server. */
public interface RouteGroup {
    void routes(Api api);
}
