-- Operations (EntityTypes.OPERATIONS): one row per create, update or delete of an instance or
-- binding, or per platform cascade; the scheduler of every node works them from here. type and
-- state hold the wire forms ("create", "in progress"), step the Operation.Step name, errors a JSON
-- array of {"error", "description"} objects. No foreign keys: an operation outlives its resource
-- (a delete's, a failed create's) until the retention removes it.
CREATE TABLE operations (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE NOT NULL,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    state TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    resource_type TEXT COLLATE "C" NOT NULL,
    platform_id TEXT COLLATE "C" NOT NULL,
    correlation_id TEXT COLLATE "C",
    parent_id TEXT COLLATE "C",
    cascade_root_id TEXT COLLATE "C",
    deletion_scheduled TIMESTAMP WITH TIME ZONE,
    step TEXT COLLATE "C" NOT NULL,
    next_attempt_at TIMESTAMP WITH TIME ZONE,
    lease_owner TEXT COLLATE "C",
    lease_until TIMESTAMP WITH TIME ZONE NOT NULL,
    description TEXT,
    errors TEXT NOT NULL,
    broker_operation TEXT,
    poll_until TIMESTAMP WITH TIME ZONE,
    attempts BIGINT NOT NULL,
    details TEXT,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);
CREATE INDEX operations_list ON operations (created_at, id);
CREATE INDEX operations_resource_id ON operations (resource_id);
CREATE INDEX operations_platform_id ON operations (platform_id);
CREATE INDEX operations_parent_id ON operations (parent_id);
CREATE INDEX operations_cascade_root_id ON operations (cascade_root_id);
-- The scheduler's scan: next_attempt_at le now AND lease_until lt now. Finished operations, nearly
-- all of them, have no next_attempt_at: the index leaves them out, so it stays as small as the work
-- left (next_attempt_at <= x implies IS NOT NULL, so the planner uses it for the scan).
CREATE INDEX operations_due ON operations (next_attempt_at, lease_until) WHERE next_attempt_at IS NOT NULL;
-- The retention: finished operations last updated before a cutoff.
CREATE INDEX operations_updated_at ON operations (updated_at);
CREATE TABLE operations_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT operations_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT operations_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES operations (id) ON DELETE CASCADE
);
CREATE INDEX operations_labels_key_value ON operations_labels (label_key, label_value, entity_id);
CREATE INDEX operations_labels_page ON operations_labels (label_key, label_value, created_at, entity_id);

-- What instances and bindings gained with stored operations; null in the rows of earlier releases.
-- maintenance_info: the plan's maintenance info an instance is at, as JSON text.
ALTER TABLE service_instances ADD COLUMN maintenance_info TEXT;
ALTER TABLE service_instances ADD COLUMN last_operation_id TEXT;
-- credentials: what the broker returned of a binding, sealed by the store's SecretCipher.
ALTER TABLE service_bindings ADD COLUMN credentials TEXT;
ALTER TABLE service_bindings ADD COLUMN last_operation_id TEXT;
