package org.servicemanager.standalone;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;
import org.h2.store.fs.FilePath;
import org.h2.store.fs.FilePathWrapper;

/**
 * An H2 file system, {@value #SCHEME}{@code :<path on disk>}, that creates every file owner-only
 * (mode 0600): the database, its trace file, lock files and temporary files alike.
 *
 * <p>Why: H2 creates its files with the process umask, commonly 022, so in a data directory that
 * was not made private (one the user created beforehand, say with mode 0755) anyone on the host
 * could read the registry, platform password hashes included. Java cannot set a umask, and fixing
 * modes after the fact leaves the files H2 creates later (a trace file on the first error)
 * readable, so each file is created with its final mode before H2 opens it. Where the file system
 * has no POSIX permissions this changes nothing.
 *
 * <p>Public only because H2 makes an instance per path by reflection; not part of any API.
 * Thread-safe: it holds only its path, as every H2 {@link FilePath} does.
 */
public final class OwnerOnlyFilePath extends FilePathWrapper {
    static final String SCHEME = "sm-owner-only";
    static final Set<PosixFilePermission> OWNER_ONLY = PosixFilePermissions.fromString("rw-------");
    private static final FileAttribute<Set<PosixFilePermission>> OWNER_ONLY_ATTRIBUTE =
            PosixFilePermissions.asFileAttribute(OWNER_ONLY);

    /** For H2, which makes one per path; the server uses {@link #register()}. */
    public OwnerOnlyFilePath() {
    }

    /** Makes the scheme known to H2; calling it again is harmless. */
    static void register() {
        FilePath.register(new OwnerOnlyFilePath());
    }

    /** The H2 database name for the database at {@code path} (without H2's file suffixes). */
    static String databaseName(Path path) {
        return SCHEME + ":" + path.toAbsolutePath();
    }

    @Override
    public String getScheme() {
        return SCHEME;
    }

    @Override
    public FileChannel open(String mode) throws IOException {
        if (mode.contains("w")) {
            createIfAbsent();
        }
        return super.open(mode);
    }

    @Override
    public OutputStream newOutputStream(boolean append) throws IOException {
        createIfAbsent();
        return super.newOutputStream(append);
    }

    /** H2's lock files rely on this failing when the file exists, so it creates atomically. */
    @Override
    public boolean createFile() {
        try {
            create();
            return true;
        } catch (IOException e) {
            return false; // FileAlreadyExistsException among them, as H2's own file paths answer
        }
    }

    @Override
    public FilePath createTempFile(String suffix, boolean inTempDir) throws IOException {
        FilePath temp = super.createTempFile(suffix, inTempDir);
        // H2 made it empty an instant ago; nothing has been written to it yet
        restrict(Path.of(onDisk(temp.unwrap())));
        return temp;
    }

    private void createIfAbsent() throws IOException {
        try {
            create();
        } catch (FileAlreadyExistsException e) {
            // it is there already; its mode is the one it was created with (or tightened to)
        }
    }

    private void create() throws IOException {
        Path path = Path.of(onDisk(getBase()));
        if (supportsPosix(path)) {
            Files.createFile(path, OWNER_ONLY_ATTRIBUTE);
        } else {
            Files.createFile(path);
        }
    }

    /** The path on disk of an H2 disk file path, whose name may carry H2's {@code file:} prefix. */
    private static String onDisk(FilePath base) {
        String name = base.toString();
        return name.startsWith("file:") ? name.substring("file:".length()) : name;
    }

    private static boolean supportsPosix(Path path) {
        Path parent = path.toAbsolutePath().getParent();
        try {
            return Files.getFileStore(parent == null ? path : parent).supportsFileAttributeView("posix");
        } catch (IOException e) {
            return false;
        }
    }

    /** Sets {@code path} to owner-only if its file system has POSIX permissions. */
    static void restrict(Path path) {
        if (!supportsPosix(path)) {
            return;
        }
        try {
            Files.setPosixFilePermissions(path, OWNER_ONLY);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make " + path + " readable by its owner only", e);
        }
    }
}
