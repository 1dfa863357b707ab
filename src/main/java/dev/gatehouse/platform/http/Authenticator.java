package dev.gatehouse.platform.http;

import java.util.Optional;

/** Turns a bearer credential into a principal; implemented by the token and API-key features. */
public interface Authenticator {
    /** Empty when the credential is not one this authenticator understands; throws {@link Problem} when invalid. */
    Optional<Principal> authenticate(String credential);
}
