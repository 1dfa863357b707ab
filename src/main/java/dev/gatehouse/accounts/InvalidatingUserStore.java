package dev.gatehouse.accounts;

import dev.gatehouse.platform.db.RecentReads;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.jdbi.v3.core.Handle;

/** The users store as {@link AccountService} sees it: every write also drops the user from its {@code recent} cache. */
record InvalidatingUserStore(UserStore store, RecentReads<UUID, User> recent) implements UserStore {
    @Override
    public Optional<User> byId(Handle h, UUID id) {
        return store.byId(h, id);
    }

    @Override
    public Optional<User> byEmail(Handle h, String email) {
        return store.byEmail(h, email);
    }

    @Override
    public void insert(Handle h, User user) {
        store.insert(h, user);
        recent.invalidate(h, user.id());
    }

    @Override
    public Optional<User> update(Handle h, UUID id, UnaryOperator<User> change) {
        var updated = store.update(h, id, change);
        recent.invalidate(h, id);
        return updated;
    }

    @Override
    public Optional<User> lock(Handle h, UUID id) {
        return store.lock(h, id);
    }

    @Override
    public boolean rehash(Handle h, UUID id, String verified, String fresh) {
        boolean rehashed = store.rehash(h, id, verified, fresh);
        recent.invalidate(h, id);
        return rehashed;
    }

    @Override
    public void touchLogin(Handle h, UUID id, Instant at) {
        store.touchLogin(h, id, at);
    }

    @Override
    public long count(Handle h) {
        return store.count(h);
    }
}
