package dev.gatehouse.platform.config;

/** A configuration value is missing or wrong; the message names the variable and is safe to print. */
public final class ConfigException extends RuntimeException {
    public ConfigException(String variable, String problem) {
        super(variable + ": " + problem);
    }
}
