-- The registry: one table per entity type with a typed column per queryable field (named like the
-- field), the other record components, and `version` for optimistic locking; labels in a table per
-- type. Constraint names follow <table>_pkey, <table>_uk<n> and <table>_fk_<field>: the store
-- recognises a violated constraint by its name.
-- H2 compares strings like Java's String.compareTo by default.

CREATE TABLE platforms (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    type VARCHAR NOT NULL,
    description VARCHAR,
    username VARCHAR NOT NULL,
    previous_username VARCHAR,
    password_hash CHARACTER LARGE OBJECT NOT NULL,
    previous_password_hash CHARACTER LARGE OBJECT,
    CONSTRAINT platforms_pkey PRIMARY KEY (id),
    CONSTRAINT platforms_uk0 UNIQUE (name)
);
CREATE INDEX platforms_list ON platforms (created_at, id);
CREATE INDEX platforms_username ON platforms (username);
CREATE INDEX platforms_previous_username ON platforms (previous_username);
CREATE TABLE platforms_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT platforms_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT platforms_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES platforms (id) ON DELETE CASCADE
);
CREATE INDEX platforms_labels_key_value ON platforms_labels (label_key, label_value, entity_id);

CREATE TABLE service_brokers (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR NOT NULL,
    description VARCHAR,
    broker_url VARCHAR NOT NULL,
    basic_username CHARACTER LARGE OBJECT,
    basic_password CHARACTER LARGE OBJECT,
    token CHARACTER LARGE OBJECT,
    tls_client_certificate CHARACTER LARGE OBJECT,
    tls_client_key CHARACTER LARGE OBJECT,
    CONSTRAINT service_brokers_pkey PRIMARY KEY (id),
    CONSTRAINT service_brokers_uk0 UNIQUE (name)
);
CREATE INDEX service_brokers_list ON service_brokers (created_at, id);
CREATE TABLE service_brokers_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_brokers_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_brokers_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_brokers (id) ON DELETE CASCADE
);
CREATE INDEX service_brokers_labels_key_value ON service_brokers_labels (label_key, label_value, entity_id);

CREATE TABLE service_offerings (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR,
    description VARCHAR,
    bindable BOOLEAN NOT NULL,
    instances_retrievable BOOLEAN NOT NULL,
    bindings_retrievable BOOLEAN NOT NULL,
    plan_updateable BOOLEAN NOT NULL,
    allow_context_updates BOOLEAN NOT NULL,
    catalog_id VARCHAR NOT NULL,
    catalog_name VARCHAR,
    broker_id VARCHAR NOT NULL,
    tags CHARACTER LARGE OBJECT NOT NULL,
    requires CHARACTER LARGE OBJECT NOT NULL,
    metadata CHARACTER LARGE OBJECT,
    catalog_json CHARACTER LARGE OBJECT,
    CONSTRAINT service_offerings_pkey PRIMARY KEY (id),
    CONSTRAINT service_offerings_uk0 UNIQUE (broker_id, catalog_id),
    CONSTRAINT service_offerings_fk_broker_id FOREIGN KEY (broker_id) REFERENCES service_brokers (id) ON DELETE CASCADE
);
CREATE INDEX service_offerings_list ON service_offerings (created_at, id);
CREATE INDEX service_offerings_broker_id ON service_offerings (broker_id);
CREATE INDEX service_offerings_name ON service_offerings (name);
CREATE TABLE service_offerings_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_offerings_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_offerings_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_offerings (id) ON DELETE CASCADE
);
CREATE INDEX service_offerings_labels_key_value ON service_offerings_labels (label_key, label_value, entity_id);

CREATE TABLE service_plans (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR,
    description VARCHAR,
    catalog_id VARCHAR NOT NULL,
    catalog_name VARCHAR,
    free BOOLEAN NOT NULL,
    bindable BOOLEAN,
    plan_updateable BOOLEAN,
    maximum_polling_duration BIGINT,
    service_offering_id VARCHAR NOT NULL,
    maintenance_info CHARACTER LARGE OBJECT,
    metadata CHARACTER LARGE OBJECT,
    schemas CHARACTER LARGE OBJECT,
    catalog_json CHARACTER LARGE OBJECT,
    CONSTRAINT service_plans_pkey PRIMARY KEY (id),
    CONSTRAINT service_plans_uk0 UNIQUE (service_offering_id, catalog_id),
    CONSTRAINT service_plans_fk_service_offering_id FOREIGN KEY (service_offering_id) REFERENCES service_offerings (id) ON DELETE CASCADE
);
CREATE INDEX service_plans_list ON service_plans (created_at, id);
CREATE INDEX service_plans_service_offering_id ON service_plans (service_offering_id);
CREATE INDEX service_plans_name ON service_plans (name);
CREATE TABLE service_plans_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_plans_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_plans_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_plans (id) ON DELETE CASCADE
);
CREATE INDEX service_plans_labels_key_value ON service_plans_labels (label_key, label_value, entity_id);

CREATE TABLE visibilities (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    platform_id VARCHAR,
    service_plan_id VARCHAR NOT NULL,
    -- A unique key treats a missing platform as a value of its own: index it as ''.
    platform_key VARCHAR GENERATED ALWAYS AS (COALESCE(platform_id, '')),
    CONSTRAINT visibilities_pkey PRIMARY KEY (id),
    CONSTRAINT visibilities_uk0 UNIQUE (platform_key, service_plan_id),
    CONSTRAINT visibilities_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE CASCADE,
    CONSTRAINT visibilities_fk_service_plan_id FOREIGN KEY (service_plan_id) REFERENCES service_plans (id) ON DELETE CASCADE
);
CREATE INDEX visibilities_list ON visibilities (created_at, id);
CREATE INDEX visibilities_platform_id ON visibilities (platform_id);
CREATE INDEX visibilities_service_plan_id ON visibilities (service_plan_id);
CREATE TABLE visibilities_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT visibilities_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT visibilities_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES visibilities (id) ON DELETE CASCADE
);
CREATE INDEX visibilities_labels_key_value ON visibilities_labels (label_key, label_value, entity_id);

CREATE TABLE service_instances (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR,
    service_plan_id VARCHAR NOT NULL,
    platform_id VARCHAR NOT NULL,
    dashboard_url VARCHAR,
    usable BOOLEAN NOT NULL,
    last_operation_type VARCHAR NOT NULL,
    last_operation_state VARCHAR NOT NULL,
    last_operation_broker_operation CHARACTER LARGE OBJECT,
    last_operation_description CHARACTER LARGE OBJECT,
    context CHARACTER LARGE OBJECT,
    pending_plan_id VARCHAR,
    pending_context CHARACTER LARGE OBJECT,
    CONSTRAINT service_instances_pkey PRIMARY KEY (id),
    CONSTRAINT service_instances_fk_service_plan_id FOREIGN KEY (service_plan_id) REFERENCES service_plans (id) ON DELETE NO ACTION,
    CONSTRAINT service_instances_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE NO ACTION
);
CREATE INDEX service_instances_list ON service_instances (created_at, id);
CREATE INDEX service_instances_service_plan_id ON service_instances (service_plan_id);
CREATE INDEX service_instances_platform_id ON service_instances (platform_id);
CREATE INDEX service_instances_name ON service_instances (name);
CREATE TABLE service_instances_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_instances_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_instances_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_instances (id) ON DELETE CASCADE
);
CREATE INDEX service_instances_labels_key_value ON service_instances_labels (label_key, label_value, entity_id);

CREATE TABLE service_bindings (
    id VARCHAR NOT NULL,
    created_at TIMESTAMP(6) WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP(6) WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name VARCHAR,
    service_instance_id VARCHAR NOT NULL,
    platform_id VARCHAR NOT NULL,
    last_operation_type VARCHAR NOT NULL,
    last_operation_state VARCHAR NOT NULL,
    last_operation_broker_operation CHARACTER LARGE OBJECT,
    last_operation_description CHARACTER LARGE OBJECT,
    context CHARACTER LARGE OBJECT,
    bind_resource CHARACTER LARGE OBJECT,
    CONSTRAINT service_bindings_pkey PRIMARY KEY (id),
    CONSTRAINT service_bindings_fk_service_instance_id FOREIGN KEY (service_instance_id) REFERENCES service_instances (id) ON DELETE CASCADE,
    CONSTRAINT service_bindings_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE NO ACTION
);
CREATE INDEX service_bindings_list ON service_bindings (created_at, id);
CREATE INDEX service_bindings_service_instance_id ON service_bindings (service_instance_id);
CREATE INDEX service_bindings_platform_id ON service_bindings (platform_id);
CREATE INDEX service_bindings_name ON service_bindings (name);
CREATE TABLE service_bindings_labels (
    entity_id VARCHAR NOT NULL,
    label_key VARCHAR NOT NULL,
    label_value VARCHAR NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_bindings_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_bindings_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_bindings (id) ON DELETE CASCADE
);
CREATE INDEX service_bindings_labels_key_value ON service_bindings_labels (label_key, label_value, entity_id);
