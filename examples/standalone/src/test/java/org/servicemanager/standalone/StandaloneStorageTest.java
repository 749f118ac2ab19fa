package org.servicemanager.standalone;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.h2.store.fs.FilePath;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.test.store.Fixtures;

/**
 * The H2 storage of the standalone server keeps its files from other users of the host, whatever
 * the mode of the data directory it is given. (These tests assume a umask that lets others read new
 * files, the common 022; under 077 they pass trivially.)
 */
class StandaloneStorageTest {
    private static final Set<PosixFilePermission> WORLD_READABLE_DIRECTORY = PosixFilePermissions.fromString("rwxr-xr-x");

    @TempDir
    Path dir;

    /** The mode of every file in {@code directory}, by name. */
    private static Map<String, String> modes(Path directory) throws Exception {
        Map<String, String> modes = new LinkedHashMap<>();
        try (Stream<Path> files = Files.list(directory)) {
            for (Path file : files.sorted().toList()) {
                modes.put(file.getFileName().toString(),
                        PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
            }
        }
        return modes;
    }

    private static void writeSomething(StandaloneStorage.Opened opened) {
        Repository<Platform> platforms = opened.store().repository(EntityTypes.PLATFORMS);
        Fixtures fixtures = new Fixtures();
        List<Platform> created = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            created.add(platforms.create(Fixtures.withLabels(fixtures.platform(), Labels.of("n", "v" + i))));
        }
        created.forEach(p -> platforms.delete(p.id()));
    }

    @Test
    @DisplayName("in a data directory that existed with mode 0755, every file is owner-only once the store is opened and written")
    void preExistingOpenDirectory() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.setPosixFilePermissions(data, WORLD_READABLE_DIRECTORY);

        StandaloneStorage.Opened opened = StandaloneStorage.open(Map.of("SM_DATA_DIR", data.toString()));
        try {
            writeSomething(opened);
            assertThat(modes(data)).containsKey("service-manager.mv.db").allSatisfy(
                    (name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
        } finally {
            opened.close();
        }

        assertThat(modes(data)).containsKeys("service-manager.mv.db", StandaloneStorage.KEY_FILE).allSatisfy(
                (name, mode) -> assertThat(mode).as(name + " after close").isEqualTo("rw-------"));
    }

    @Test
    @DisplayName("database files an earlier start left readable by others are made owner-only when the store opens")
    void earlierFilesTightened() throws Exception {
        Path data = Files.createDirectory(dir.resolve("data"));
        Files.setPosixFilePermissions(data, WORLD_READABLE_DIRECTORY);
        try (Connection connection = DriverManager.getConnection("jdbc:h2:file:" + data.resolve("service-manager"));
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE TABLE earlier (id INT)");
        }
        Files.setPosixFilePermissions(data.resolve("service-manager.mv.db"),
                PosixFilePermissions.fromString("rw-r--r--"));

        StandaloneStorage.Opened opened = StandaloneStorage.open(Map.of("SM_DATA_DIR", data.toString()));
        try {
            writeSomething(opened);
        } finally {
            opened.close();
        }

        assertThat(modes(data)).containsKey("service-manager.mv.db").allSatisfy(
                (name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
    }

    @Test
    @DisplayName("the H2 database stays open between operations, not reopened for each, and is released on close")
    void databaseStaysOpen() throws Exception {
        Path data = dir.resolve("data");
        String sameFile = "jdbc:h2:file:" + data.resolve(StandaloneStorage.DATABASE_NAME) + ";IFEXISTS=TRUE";

        StandaloneStorage.Opened opened = StandaloneStorage.open(Map.of("SM_DATA_DIR", data.toString()));
        try {
            writeSomething(opened);

            // H2 locks the file while the database is open, so only a closed one can be opened again
            assertThatThrownBy(() -> DriverManager.getConnection(sameFile).close())
                    .isInstanceOf(SQLException.class).hasMessageContaining("already in use");
        } finally {
            opened.close();
        }

        try (Connection connection = DriverManager.getConnection(sameFile)) {
            assertThat(connection.isValid(5)).isTrue();
        }
    }

    @Test
    @DisplayName("every way H2 makes a file (store, trace, lock and temporary files) makes it owner-only")
    void everyCreationOwnerOnly() throws Exception {
        Path open = Files.createDirectory(dir.resolve("open"));
        Files.setPosixFilePermissions(open, WORLD_READABLE_DIRECTORY);
        OwnerOnlyFilePath.register();
        String base = OwnerOnlyFilePath.SCHEME + ":" + open;

        try (FileChannel channel = FilePath.get(base + "/db.mv.db").open("rw")) {
            channel.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3}));
        }
        try (OutputStream trace = FilePath.get(base + "/db.trace.db").newOutputStream(false)) {
            trace.write("error".getBytes(StandardCharsets.UTF_8));
        }
        assertThat(FilePath.get(base + "/db.lock.db").createFile()).isTrue();
        assertThat(FilePath.get(base + "/db.lock.db").createFile()).as("a second lock").isFalse();
        FilePath.get(base + "/db").createTempFile(".temp.db", false);

        assertThat(modes(open)).hasSize(4).allSatisfy(
                (name, mode) -> assertThat(mode).as(name).isEqualTo("rw-------"));
    }
}
