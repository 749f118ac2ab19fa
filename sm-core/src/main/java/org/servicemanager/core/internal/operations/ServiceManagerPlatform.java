package org.servicemanager.core.internal.operations;

import java.time.Instant;
import java.util.UUID;
import org.servicemanager.api.UniqueViolationException;
import org.servicemanager.api.model.Labels;
import org.servicemanager.api.model.Platform;
import org.servicemanager.api.model.PlatformCredentials;
import org.servicemanager.api.store.EntityTypes;
import org.servicemanager.api.store.Repository;
import org.servicemanager.core.internal.registry.Context;
import org.servicemanager.core.internal.security.PasswordHasher;

/**
 * The reserved platform {@value Platform#SERVICE_MANAGER_ID} that owns what the REST API creates.
 * It is a stored platform (instances refer to their platform), made at start if missing, with
 * credentials nobody can present: a random user name and a hash no password matches.
 */
public final class ServiceManagerPlatform {
    private ServiceManagerPlatform() {
    }

    /** Creates the platform unless it exists; several nodes starting at once make it once. */
    public static void ensure(Context ctx) {
        Repository<Platform> platforms = ctx.store().repository(EntityTypes.PLATFORMS);
        if (platforms.get(Platform.SERVICE_MANAGER_ID).isPresent()) {
            return;
        }
        Instant now = ctx.now();
        Platform reserved = new Platform(Platform.SERVICE_MANAGER_ID, Platform.SERVICE_MANAGER_ID,
                Platform.SERVICE_MANAGER_ID, "the Service Manager itself, as a platform",
                new PlatformCredentials("reserved-" + UUID.randomUUID(),
                        PasswordHasher.unmatchableHash(PasswordHasher.GENERATED_ITERATIONS)),
                null, Labels.empty(), now, now, true, 0);
        try {
            platforms.create(reserved);
        } catch (UniqueViolationException e) {
            if (platforms.get(Platform.SERVICE_MANAGER_ID).isEmpty()) {
                throw new IllegalStateException("a platform named '" + Platform.SERVICE_MANAGER_ID + "' is "
                        + "registered; that name is reserved for the Service Manager itself: rename or delete it "
                        + "first", e);
            }
        }
    }
}
