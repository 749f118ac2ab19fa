-- Operations (EntityTypes.OPERATIONS): one row per create, update or delete of an instance or
-- binding, or per platform cascade; the scheduler of every node works them from here. type and
-- state hold the wire forms ("create", "in progress"), step the Operation.Step name, errors a JSON
-- array of {"error", "description"} objects. No foreign keys: an operation outlives its resource
-- (a delete's, a failed create's) until the retention removes it.
CREATE TABLE operations (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    type VARCHAR NOT NULL,
    state VARCHAR NOT NULL,
    resource_id VARCHAR NOT NULL,
    resource_type VARCHAR NOT NULL,
    platform_id VARCHAR NOT NULL,
    correlation_id VARCHAR,
    parent_id VARCHAR,
    cascade_root_id VARCHAR,
    deletion_scheduled TIMESTAMP(6) WITH TIME ZONE,
    step VARCHAR NOT NULL,
    next_attempt_at TIMESTAMP(6) WITH TIME ZONE,
    lease_owner VARCHAR,
    lease_until TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    description CHARACTER LARGE OBJECT,
    errors CHARACTER LARGE OBJECT NOT NULL,
    broker_operation CHARACTER LARGE OBJECT,
    poll_until TIMESTAMP(6) WITH TIME ZONE,
    attempts BIGINT NOT NULL,
    details CHARACTER LARGE OBJECT,
    CONSTRAINT operations_pkey PRIMARY KEY (id)
);
CREATE INDEX operations_list ON operations (created_at, id);
CREATE INDEX operations_resource_id ON operations (resource_id);
CREATE INDEX operations_platform_id ON operations (platform_id);
CREATE INDEX operations_parent_id ON operations (parent_id);
CREATE INDEX operations_cascade_root_id ON operations (cascade_root_id);
-- The scheduler's scan: next_attempt_at le now AND lease_until lt now. Finished operations have no
-- next_attempt_at; H2 has no partial indexes, so they stay in this one.
CREATE INDEX operations_due ON operations (next_attempt_at, lease_until);
-- The retention: finished operations last updated before a cutoff.
CREATE INDEX operations_updated_at ON operations (updated_at);
CREATE TABLE operations_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    CONSTRAINT operations_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT operations_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES operations (id) ON DELETE CASCADE
);
CREATE INDEX operations_labels_key_value ON operations_labels (label_key, label_value, entity_id);
CREATE INDEX operations_labels_page ON operations_labels (label_key, label_value, created_at, entity_id);

-- What instances and bindings gained with stored operations; null in the rows of earlier releases.
-- maintenance_info: the plan's maintenance info an instance is at, as JSON text.
ALTER TABLE service_instances ADD COLUMN maintenance_info CHARACTER LARGE OBJECT;
ALTER TABLE service_instances ADD COLUMN last_operation_id VARCHAR;
-- credentials: what the broker returned of a binding, sealed by the store's SecretCipher.
ALTER TABLE service_bindings ADD COLUMN credentials CHARACTER LARGE OBJECT;
ALTER TABLE service_bindings ADD COLUMN last_operation_id VARCHAR;
