package dev.gatehouse.mfa;

import dev.gatehouse.accounts.User;
import dev.gatehouse.audit.AuditEvent;
import dev.gatehouse.audit.AuditLog;
import dev.gatehouse.auth.FactorKinds;
import dev.gatehouse.auth.SecondFactor;
import dev.gatehouse.platform.crypto.Secrets;
import dev.gatehouse.platform.http.RequestInfo;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.jdbi.v3.core.Handle;

/**
 * Called by every first-factor sign-in: when the user has a second factor (and the device is not trusted), or policy
 * demands one, it opens a pending login and answers its {@code mfa_token} instead of a session.
 */
public final class MfaGate implements SecondFactor {
    static final Duration TTL = Duration.ofMinutes(5);
    static final int MAX_ATTEMPTS = 5;

    private final JdbiMfaStore store;
    private final AuditLog audit;
    private final Secrets secrets;
    private final Clock clock;
    private final boolean required;
    private final List<ExtraFactor> extra;

    public MfaGate(
            JdbiMfaStore store,
            AuditLog audit,
            Secrets secrets,
            Clock clock,
            boolean required,
            List<ExtraFactor> extra) {
        this.store = store;
        this.audit = audit;
        this.secrets = secrets;
        this.clock = clock;
        this.required = required;
        this.extra = List.copyOf(extra);
    }

    public boolean required() {
        return required;
    }

    @Override
    public Optional<MfaRequired> challenge(Handle h, User user, String deviceId, String firstMethod, RequestInfo info) {
        List<String> methods = adding(methods(h, user.id()), firstMethod);
        if (methods.isEmpty() && !required) return Optional.empty();
        Instant now = clock.instant();
        // The device id is no secret (the device list shows it): a trusted device also shows its trust token.
        if (!methods.isEmpty()
                && info.deviceTrust().isPresent()
                && store.trusted(h, user.id(), deviceId, info.deviceTrust().get(), now)) {
            audit.record(h, AuditEvent.success("mfa.skipped_trusted_device", user.id()), info);
            return Optional.empty();
        }
        return Optional.of(open(h, user, deviceId, firstMethod, methods, Optional.empty(), info, "mfa.challenged"));
    }

    @Override
    public Optional<MfaRequired> stepUp(
            Handle h, User user, String deviceId, String firstMethod, UUID ssoSessionId, RequestInfo info) {
        List<String> methods = stepUpMethods(h, user.id(), firstMethod);
        if (methods.isEmpty()) return Optional.empty();
        return Optional.of(
                open(h, user, deviceId, firstMethod, methods, Optional.of(ssoSessionId), info, "mfa.step_up"));
    }

    /** A step-up is asked for to reach a second kind of factor: one of the first's kind cannot give it. */
    @Override
    public List<String> stepUpMethods(Handle h, UUID userId, String firstMethod) {
        return otherKinds(methods(h, userId), firstMethod);
    }

    /**
     * The second steps offered after {@code firstMethod}: those of another kind ({@link FactorKinds}; after a sign-in
     * link, a mailed code would prove the mailbox twice), with the backup codes as their fallback. When the account
     * has no other kind than the first's, all are still asked, as the account's second step always is; the sign-in's
     * {@code amr} then counts one factor.
     */
    private static List<String> adding(List<String> methods, String firstMethod) {
        List<String> others = otherKinds(methods, firstMethod);
        return others.stream().anyMatch(m -> !m.equals("backup_code")) ? others : methods;
    }

    private static List<String> otherKinds(List<String> methods, String firstMethod) {
        return methods.stream().filter(m -> !FactorKinds.same(m, firstMethod)).toList();
    }

    /**
     * A pending login for these methods (none: policy demands a factor, set one up first), which keeps them: it
     * completes with no other. {@code stepUpOf}: the SSO session a step-up adds the factor to.
     */
    private MfaRequired open(
            Handle h,
            User user,
            String deviceId,
            String firstMethod,
            List<String> methods,
            Optional<UUID> stepUpOf,
            RequestInfo info,
            String event) {
        Instant now = clock.instant();
        boolean setup = methods.isEmpty();
        String token = secrets.token("mfa_");
        List<String> offered = setup ? List.of("totp") : methods;
        store.insertChallenge(
                h,
                new JdbiMfaStore.Challenge(
                        Secrets.sha256(token),
                        user.id(),
                        deviceId,
                        firstMethod,
                        setup,
                        0,
                        null,
                        0,
                        now.plus(TTL),
                        offered,
                        stepUpOf),
                now);
        audit.record(
                h,
                AuditEvent.success(event, user.id())
                        .details(Map.of("methods", String.join(",", methods), "setup_required", setup)),
                info);
        return new MfaRequired(token, offered, setup);
    }

    /** The methods that can complete a sign-in of this user, the preferred one first. */
    List<String> methods(Handle h, UUID userId) {
        var f = store.factors(h, userId);
        var out = new ArrayList<String>();
        if (f.totpEnabled()) out.add("totp");
        if (f.emailEnabled()) out.add("email");
        for (ExtraFactor x : extra) if (x.enrolled(h, userId)) out.add(x.method());
        if (!out.isEmpty() && store.backupCodesLeft(h, userId) > 0) out.add("backup_code");
        if (f.preferred() != null && out.remove(f.preferred())) out.addFirst(f.preferred());
        return out;
    }
}
