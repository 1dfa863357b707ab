package dev.gatehouse.accounts;

import java.util.List;
import java.util.Optional;
import me.gosimple.nbvcxz.Nbvcxz;
import me.gosimple.nbvcxz.resources.ConfigurationBuilder;
import me.gosimple.nbvcxz.scoring.Result;

/**
 * Length bounds plus a strength estimate (nbvcxz, a zxcvbn port) that also knows the user's own email and name.
 * The estimator's dictionaries (about 25 MB of heap, a few hundred ms of CPU) load on first use, not at start-up: a
 * server whose users never choose a password here never pays for them.
 */
public final class PasswordPolicy {
    public static final int MIN_LENGTH = 8;
    public static final int MAX_LENGTH = 128;
    private static final double MIN_ENTROPY = 30d;

    private static final class Estimator {
        static final Nbvcxz INSTANCE = new Nbvcxz(new ConfigurationBuilder().createConfiguration());
    }

    /** Why a password is refused; {@link #reason} is the API's words, {@link #key} the pages' message. */
    public enum Weakness {
        TOO_SHORT("must be at least " + MIN_LENGTH + " characters"),
        TOO_LONG("must be at most " + MAX_LENGTH + " characters"),
        PERSONAL("must not contain your name or email address"),
        GUESSABLE("is too easy to guess; use a longer phrase or mix in unrelated words");

        private final String reason;

        Weakness(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }

        /** The message key of the hosted pages ({@code password.weak.too_short}, ...). */
        public String key() {
            return "password.weak." + name().toLowerCase(java.util.Locale.ROOT);
        }

        /** The weakness {@code reason} names, as a refusal carries it. */
        public static Optional<Weakness> ofReason(String reason) {
            for (Weakness w : values()) if (w.reason.equals(reason)) return Optional.of(w);
            return Optional.empty();
        }
    }

    /** Empty when acceptable, else the reason shown to the user. */
    public Optional<String> check(String password, List<String> userWords) {
        return weakness(password, userWords).map(Weakness::reason);
    }

    /** Empty when acceptable, else why not. */
    public Optional<Weakness> weakness(String password, List<String> userWords) {
        if (password.length() < MIN_LENGTH) return Optional.of(Weakness.TOO_SHORT);
        if (password.length() > MAX_LENGTH) return Optional.of(Weakness.TOO_LONG);
        String lower = password.toLowerCase(java.util.Locale.ROOT);
        for (String word : userWords) {
            if (word != null && word.length() >= 4 && lower.contains(word.toLowerCase(java.util.Locale.ROOT))) {
                return Optional.of(Weakness.PERSONAL);
            }
        }
        Result result = Estimator.INSTANCE.estimate(password);
        if (result.getEntropy() < MIN_ENTROPY) return Optional.of(Weakness.GUESSABLE);
        return Optional.empty();
    }
}
