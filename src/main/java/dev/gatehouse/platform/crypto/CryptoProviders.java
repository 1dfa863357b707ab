package dev.gatehouse.platform.crypto;

import java.security.Provider;
import java.security.Security;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Installs Amazon Corretto Crypto Provider (AWS-LC) first when its native library loads: on this hardware it signs
 * ES256 about 12x and Ed25519 about 20x faster than the JDK provider (docs/adr/0003-crypto-provider.md). Where the
 * native part is missing (another OS or CPU), the JDK's providers stay in charge.
 */
public final class CryptoProviders {
    private static final Logger log = LoggerFactory.getLogger(CryptoProviders.class);

    private CryptoProviders() {}

    /** Returns the name of the provider that now signs; {@code choice} is auto, accp or jdk. */
    public static synchronized String install(String choice) {
        if ("jdk".equals(choice)) return "SUN (JDK)";
        try {
            Class<?> accp = Class.forName("com.amazon.corretto.crypto.provider.AmazonCorrettoCryptoProvider");
            Provider p = (Provider) accp.getField("INSTANCE").get(null);
            Throwable error = (Throwable) accp.getMethod("getLoadingError").invoke(p);
            if (error != null) throw new IllegalStateException(error.getMessage());
            accp.getMethod("assertHealthy").invoke(p);
            if (Security.getProvider(p.getName()) == null) Security.insertProviderAt(p, 1);
            return p.getName() + " " + p.getVersionStr();
        } catch (ReflectiveOperationException | RuntimeException | LinkageError e) {
            if ("accp".equals(choice)) throw new IllegalStateException("ACCP requested but unavailable", e);
            log.info("Native crypto provider unavailable ({}); using the JDK's providers", e.toString());
            return "SUN (JDK)";
        }
    }
}
