package dev.gatehouse.accounts;

import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;

/** Accounts by id and by normalized email. Writes take the caller's transaction handle. */
public interface UserStore {
    Optional<User> byId(Handle h, UUID id);

    Optional<User> byEmail(Handle h, String email);

    /** Throws {@link dev.gatehouse.platform.db.AlreadyExists} when the email is taken. */
    void insert(Handle h, User user);

    /**
     * Atomic read-modify-write: the row is locked while {@code change} runs. Empty when there is no such user; throws
     * {@link dev.gatehouse.platform.db.AlreadyExists} when the changed email is taken.
     */
    Optional<User> update(Handle h, UUID id, UnaryOperator<User> change);

    /**
     * The account with its row locked until the transaction ends, as {@link #update} locks it: a sign-in's transaction
     * reads it so, to wait for a password change under way and see its outcome.
     */
    Optional<User> lock(Handle h, UUID id);

    /**
     * Replaces the password hash with {@code fresh}, a rehash of the same password, only while the stored hash is still
     * {@code verified}: a password set meanwhile (a reset, a change) stays. True when it was replaced.
     */
    boolean rehash(Handle h, UUID id, String verified, String fresh);

    void touchLogin(Handle h, UUID id, Instant at);

    long count(Handle h);
}
