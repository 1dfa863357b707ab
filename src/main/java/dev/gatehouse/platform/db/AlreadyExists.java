package dev.gatehouse.platform.db;

/** A write collided with a unique key. */
public final class AlreadyExists extends RuntimeException {
    public AlreadyExists(String what) {
        super(what + " already exists");
    }
}
