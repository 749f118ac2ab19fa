package org.servicemanager.storage.jdbc;

import io.zonky.test.db.postgres.embedded.DefaultPostgresBinaryResolver;
import io.zonky.test.db.postgres.embedded.PgBinaryResolver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;
import java.util.TreeSet;
import java.util.zip.CRC32;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.tukaani.xz.LZMA2Options;
import org.tukaani.xz.XZInputStream;
import org.tukaani.xz.XZOutputStream;

/**
 * Serves zonky's PostgreSQL binaries so that they also start when the tests run as root, as they
 * do in CI containers. {@code initdb}, {@code postgres} and {@code pg_ctl} refuse to run as root,
 * and zonky has no option for that; so this resolver repacks the archive with each of the three
 * renamed to {@code <name>.real} and a shell wrapper in its place. Run by root, a wrapper hands the
 * data directory to the unprivileged user {@code nobody} and re-executes the real binary as that
 * user ({@code setpriv}); run by anyone else it simply executes the real binary. The repacked
 * archive is built once and cached in the temporary directory. Thread-safe.
 */
public final class RootSafeBinaryResolver implements PgBinaryResolver {
    public static final RootSafeBinaryResolver INSTANCE = new RootSafeBinaryResolver();

    private static final Set<String> WRAPPED = Set.of("bin/initdb", "bin/postgres", "bin/pg_ctl");
    private static final String USER = "nobody";

    private byte[] archive;

    private RootSafeBinaryResolver() {
    }

    /** Whether this JVM runs as root, the case the wrappers exist for. */
    public static boolean runningAsRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    @Override
    public synchronized InputStream getPgBinary(String system, String machineHardware) throws IOException {
        if (archive == null) {
            byte[] original;
            try (InputStream in = DefaultPostgresBinaryResolver.INSTANCE.getPgBinary(system, machineHardware)) {
                original = in.readAllBytes();
            }
            archive = cachedRepack(original);
        }
        return new ByteArrayInputStream(archive);
    }

    /**
     * Repacking takes seconds, so the result is kept in the temporary directory for the next JVM,
     * named by a checksum of the original archive and of the wrappers.
     */
    private static byte[] cachedRepack(byte[] original) throws IOException {
        CRC32 crc = new CRC32();
        crc.update(original);
        for (String name : new TreeSet<>(WRAPPED)) {
            crc.update(wrapper(name).getBytes(StandardCharsets.US_ASCII));
        }
        Path cached = Path.of(System.getProperty("java.io.tmpdir"),
                "sm-embedded-pg-rootsafe-" + Long.toHexString(crc.getValue()) + ".txz");
        if (Files.isRegularFile(cached)) {
            return Files.readAllBytes(cached);
        }
        byte[] repacked = repack(new ByteArrayInputStream(original));
        Path partial = Files.createTempFile(cached.getParent(), "sm-embedded-pg-rootsafe-", ".partial");
        Files.write(partial, repacked);
        Files.move(partial, cached, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return repacked;
    }

    private static byte[] repack(InputStream original) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(32 << 20);
        // Preset 0: the archive only lives for this JVM, so speed beats size.
        try (InputStream in = original;
                TarArchiveInputStream tarIn = new TarArchiveInputStream(new XZInputStream(in));
                TarArchiveOutputStream tarOut = new TarArchiveOutputStream(
                        new XZOutputStream(bytes, new LZMA2Options(0)))) {
            tarOut.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            TarArchiveEntry entry;
            while ((entry = tarIn.getNextEntry()) != null) {
                String name = entry.getName().startsWith("./") ? entry.getName().substring(2) : entry.getName();
                if (entry.isFile() && WRAPPED.contains(name)) {
                    TarArchiveEntry real = new TarArchiveEntry(entry.getName() + ".real");
                    real.setMode(entry.getMode());
                    real.setSize(entry.getSize());
                    tarOut.putArchiveEntry(real);
                    tarIn.transferTo(tarOut);
                    tarOut.closeArchiveEntry();
                    byte[] script = wrapper(name).getBytes(StandardCharsets.US_ASCII);
                    TarArchiveEntry wrapper = new TarArchiveEntry(entry.getName());
                    wrapper.setMode(0755);
                    wrapper.setSize(script.length);
                    tarOut.putArchiveEntry(wrapper);
                    tarOut.write(script);
                    tarOut.closeArchiveEntry();
                } else {
                    tarOut.putArchiveEntry(entry);
                    if (entry.isFile()) {
                        tarIn.transferTo(tarOut);
                    }
                    tarOut.closeArchiveEntry();
                }
            }
        }
        return bytes.toByteArray();
    }

    /**
     * The wrapper of {@code bin/<name>}. As root it first gives the {@code -D} data directory to
     * {@code nobody}, because PostgreSQL insists on owning its data directory. {@code setpriv} comes
     * with util-linux, as {@code runuser} does, which is the fallback.
     */
    private static String wrapper(String name) {
        return "#!/bin/sh\n"
                + "real=\"$0.real\"\n"
                + "if [ \"$(id -u)\" != 0 ]; then exec \"$real\" \"$@\"; fi\n"
                + "prev=\n"
                + "for arg in \"$@\"; do\n"
                + "  if [ \"$prev\" = -D ]; then mkdir -p \"$arg\" && chown -R " + USER + " \"$arg\"; fi\n"
                + "  prev=\"$arg\"\n"
                + "done\n"
                + "if command -v setpriv >/dev/null 2>&1; then\n"
                + "  exec setpriv --reuid=" + USER + " --regid=$(id -g " + USER + ") --init-groups -- \"$real\" \"$@\"\n"
                + "fi\n"
                + "exec runuser -u " + USER + " -- \"$real\" \"$@\"\n";
    }
}
