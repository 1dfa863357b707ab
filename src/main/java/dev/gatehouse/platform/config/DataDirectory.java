package dev.gatehouse.platform.config;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.EnumSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data directory ({@code GATEHOUSE_DATA_DIR}): the embedded database, which can hold live reset and sign-in links
 * (the dev outbox), and the generated master key. Gatehouse creates it readable by its owner only; one that exists is
 * left as it is (an operator may have reasons), with a warning when other users can reach into it.
 */
public final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    private static final Set<PosixFilePermission> NOT_THE_OWNER = EnumSet.of(
            PosixFilePermission.GROUP_READ,
            PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ,
            PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_EXECUTE);

    private DataDirectory() {}

    /** Creates {@code dir} for the owner alone when it is missing; warns when an existing one is open to others. */
    public static void prepare(Path dir) {
        if (Files.isDirectory(dir)) warnIfOpen(dir, "The data directory", "chmod 700");
        else create(dir);
    }

    /**
     * Creates {@code dir} (rwx------ on a POSIX file system; its missing parents as the umask says) unless it exists.
     */
    public static void create(Path dir) {
        try {
            if (Files.isDirectory(dir)) return;
            Path parent = dir.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (posix(dir.toAbsolutePath())) {
                Files.createDirectory(
                        dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectory(dir);
            }
        } catch (FileAlreadyExistsException e) {
            // another process made it a moment ago: theirs stands, as any existing directory does
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Logs a warning when users other than the owner have any permission on {@code path} (POSIX only). */
    public static void warnIfOpen(Path path, String what, String fix) {
        if (!posix(path)) return;
        try {
            Set<PosixFilePermission> granted = Files.getPosixFilePermissions(path);
            if (granted.stream().anyMatch(NOT_THE_OWNER::contains)) {
                log.warn(
                        "{} {} is open to other users ({}); it holds secrets. Restrict it: {} {}",
                        what,
                        path,
                        PosixFilePermissions.toString(granted),
                        fix,
                        path);
            }
        } catch (IOException e) {
            log.warn(
                    "{} {}: its permissions could not be read ({})",
                    what,
                    path,
                    e.getClass().getSimpleName());
        }
    }

    /** Whether {@code path}'s file system has POSIX permissions. */
    public static boolean posix(Path path) {
        return path.getFileSystem().supportedFileAttributeViews().contains("posix");
    }
}
