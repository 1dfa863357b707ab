package dev.gatehouse.testkit;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.sql.SQLException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.h2.tools.Server;

/**
 * A fresh database of the engine under test, reached over TCP through a {@link TcpProxy} so a test can make it
 * unreachable and bring it back: PostgreSQL directly, H2 through an in-process H2 TCP server.
 */
public final class ProxiedDatabase implements AutoCloseable {
    private static final Pattern PG_HOST = Pattern.compile("^jdbc:postgresql://([^:/]+)(?::(\\d+))?/");

    private final TestDatabase database;
    private final Server h2;
    private final TcpProxy proxy;
    private final String url;
    private final java.nio.file.Path h2Dir;

    public ProxiedDatabase() {
        this.database = TestDatabase.create();
        if ("h2".equals(database.engine())) {
            int port = freePort();
            try {
                this.h2 = Server.createTcpServer("-tcpPort", Integer.toString(port), "-ifNotExists")
                        .start();
            } catch (SQLException e) {
                throw new IllegalStateException("cannot start the H2 TCP server", e);
            }
            this.proxy = new TcpProxy("127.0.0.1", port);
            // A file database: H2 closes an in-memory one for good when its sessions are torn down.
            try {
                this.h2Dir = java.nio.file.Files.createTempDirectory("gatehouse-h2");
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            this.url = "jdbc:h2:tcp://127.0.0.1:" + proxy.port() + "/"
                    + h2Dir.resolve("db").toAbsolutePath() + dev.gatehouse.platform.db.Database.h2Options();
        } else {
            this.h2 = null;
            this.h2Dir = null;
            Matcher m = PG_HOST.matcher(database.url());
            if (!m.find()) throw new IllegalStateException("unexpected PostgreSQL URL " + database.url());
            int port = m.group(2) == null ? 5432 : Integer.parseInt(m.group(2));
            this.proxy = new TcpProxy(m.group(1), port);
            this.url = "jdbc:postgresql://127.0.0.1:" + proxy.port() + "/"
                    + database.url().substring(m.end());
        }
    }

    public String engine() {
        return database.engine();
    }

    /** The JDBC URL through the proxy. */
    public String url() {
        return url;
    }

    public String user() {
        return database.user();
    }

    /** The database becomes unreachable: open connections drop, new ones are refused. */
    public void cut() {
        proxy.cut();
    }

    public void restore() {
        proxy.restore();
    }

    private static int freePort() {
        try (var s = new ServerSocket(0)) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        proxy.close();
        if (h2 != null) h2.stop();
        database.close();
        if (h2Dir != null) {
            try (var files = java.nio.file.Files.walk(h2Dir)) {
                files.sorted(java.util.Comparator.reverseOrder())
                        .forEach(f -> f.toFile().delete());
            } catch (IOException ignored) {
                // temp files; best effort
            }
        }
    }
}
