-- The registry: one table per entity type with a typed column per queryable field (named like the
-- field), the other record components, and `version` for optimistic locking; labels in a table per
-- type. Constraint names follow <table>_pkey, <table>_uk<n> and <table>_fk_<field>: the store
-- recognises a violated constraint by its name.
-- Strings that queries compare use COLLATE "C", so that gt/lt and the list order by id compare
-- code points like Java does, whatever the database's locale.

CREATE TABLE platforms (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    username TEXT COLLATE "C" NOT NULL,
    previous_username TEXT COLLATE "C",
    password_hash TEXT NOT NULL,
    previous_password_hash TEXT,
    CONSTRAINT platforms_pkey PRIMARY KEY (id),
    CONSTRAINT platforms_uk0 UNIQUE (name)
);
CREATE INDEX platforms_list ON platforms (created_at, id);
CREATE INDEX platforms_username ON platforms (username);
CREATE INDEX platforms_previous_username ON platforms (previous_username);
CREATE TABLE platforms_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT platforms_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT platforms_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES platforms (id) ON DELETE CASCADE
);
CREATE INDEX platforms_labels_key_value ON platforms_labels (label_key, label_value, entity_id);

CREATE TABLE service_brokers (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    broker_url TEXT COLLATE "C" NOT NULL,
    basic_username TEXT,
    basic_password TEXT,
    token TEXT,
    tls_client_certificate TEXT,
    tls_client_key TEXT,
    CONSTRAINT service_brokers_pkey PRIMARY KEY (id),
    CONSTRAINT service_brokers_uk0 UNIQUE (name)
);
CREATE INDEX service_brokers_list ON service_brokers (created_at, id);
CREATE TABLE service_brokers_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_brokers_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_brokers_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_brokers (id) ON DELETE CASCADE
);
CREATE INDEX service_brokers_labels_key_value ON service_brokers_labels (label_key, label_value, entity_id);

CREATE TABLE service_offerings (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C",
    description TEXT COLLATE "C",
    bindable BOOLEAN NOT NULL,
    instances_retrievable BOOLEAN NOT NULL,
    bindings_retrievable BOOLEAN NOT NULL,
    plan_updateable BOOLEAN NOT NULL,
    allow_context_updates BOOLEAN NOT NULL,
    catalog_id TEXT COLLATE "C" NOT NULL,
    catalog_name TEXT COLLATE "C",
    broker_id TEXT COLLATE "C" NOT NULL,
    tags TEXT NOT NULL,
    requires TEXT NOT NULL,
    metadata TEXT,
    catalog_json TEXT,
    CONSTRAINT service_offerings_pkey PRIMARY KEY (id),
    CONSTRAINT service_offerings_uk0 UNIQUE (broker_id, catalog_id),
    CONSTRAINT service_offerings_fk_broker_id FOREIGN KEY (broker_id) REFERENCES service_brokers (id) ON DELETE CASCADE
);
CREATE INDEX service_offerings_list ON service_offerings (created_at, id);
CREATE INDEX service_offerings_broker_id ON service_offerings (broker_id);
CREATE INDEX service_offerings_name ON service_offerings (name);
CREATE TABLE service_offerings_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_offerings_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_offerings_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_offerings (id) ON DELETE CASCADE
);
CREATE INDEX service_offerings_labels_key_value ON service_offerings_labels (label_key, label_value, entity_id);

CREATE TABLE service_plans (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C",
    description TEXT COLLATE "C",
    catalog_id TEXT COLLATE "C" NOT NULL,
    catalog_name TEXT COLLATE "C",
    free BOOLEAN NOT NULL,
    bindable BOOLEAN,
    plan_updateable BOOLEAN,
    maximum_polling_duration BIGINT,
    service_offering_id TEXT COLLATE "C" NOT NULL,
    maintenance_info TEXT,
    metadata TEXT,
    schemas TEXT,
    catalog_json TEXT,
    CONSTRAINT service_plans_pkey PRIMARY KEY (id),
    CONSTRAINT service_plans_uk0 UNIQUE (service_offering_id, catalog_id),
    CONSTRAINT service_plans_fk_service_offering_id FOREIGN KEY (service_offering_id) REFERENCES service_offerings (id) ON DELETE CASCADE
);
CREATE INDEX service_plans_list ON service_plans (created_at, id);
CREATE INDEX service_plans_service_offering_id ON service_plans (service_offering_id);
CREATE INDEX service_plans_name ON service_plans (name);
CREATE TABLE service_plans_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_plans_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_plans_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_plans (id) ON DELETE CASCADE
);
CREATE INDEX service_plans_labels_key_value ON service_plans_labels (label_key, label_value, entity_id);

CREATE TABLE visibilities (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    platform_id TEXT COLLATE "C",
    service_plan_id TEXT COLLATE "C" NOT NULL,
    CONSTRAINT visibilities_pkey PRIMARY KEY (id),
    CONSTRAINT visibilities_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE CASCADE,
    CONSTRAINT visibilities_fk_service_plan_id FOREIGN KEY (service_plan_id) REFERENCES service_plans (id) ON DELETE CASCADE
);
-- A unique key treats a missing platform as a value of its own: index it as ''.
CREATE UNIQUE INDEX visibilities_uk0 ON visibilities (COALESCE(platform_id, ''), service_plan_id);
CREATE INDEX visibilities_list ON visibilities (created_at, id);
CREATE INDEX visibilities_platform_id ON visibilities (platform_id);
CREATE INDEX visibilities_service_plan_id ON visibilities (service_plan_id);
CREATE TABLE visibilities_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT visibilities_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT visibilities_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES visibilities (id) ON DELETE CASCADE
);
CREATE INDEX visibilities_labels_key_value ON visibilities_labels (label_key, label_value, entity_id);

CREATE TABLE service_instances (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C",
    service_plan_id TEXT COLLATE "C" NOT NULL,
    platform_id TEXT COLLATE "C" NOT NULL,
    dashboard_url TEXT COLLATE "C",
    usable BOOLEAN NOT NULL,
    last_operation_type TEXT COLLATE "C" NOT NULL,
    last_operation_state TEXT COLLATE "C" NOT NULL,
    last_operation_broker_operation TEXT,
    last_operation_description TEXT,
    context TEXT,
    pending_plan_id TEXT COLLATE "C",
    pending_context TEXT,
    CONSTRAINT service_instances_pkey PRIMARY KEY (id),
    CONSTRAINT service_instances_fk_service_plan_id FOREIGN KEY (service_plan_id) REFERENCES service_plans (id) ON DELETE NO ACTION,
    CONSTRAINT service_instances_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE NO ACTION
);
CREATE INDEX service_instances_list ON service_instances (created_at, id);
CREATE INDEX service_instances_service_plan_id ON service_instances (service_plan_id);
CREATE INDEX service_instances_platform_id ON service_instances (platform_id);
CREATE INDEX service_instances_name ON service_instances (name);
CREATE TABLE service_instances_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_instances_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_instances_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_instances (id) ON DELETE CASCADE
);
CREATE INDEX service_instances_labels_key_value ON service_instances_labels (label_key, label_value, entity_id);

CREATE TABLE service_bindings (
    id TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    updated_at TIMESTAMP WITH TIME ZONE,
    ready BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    name TEXT COLLATE "C",
    service_instance_id TEXT COLLATE "C" NOT NULL,
    platform_id TEXT COLLATE "C" NOT NULL,
    last_operation_type TEXT COLLATE "C" NOT NULL,
    last_operation_state TEXT COLLATE "C" NOT NULL,
    last_operation_broker_operation TEXT,
    last_operation_description TEXT,
    context TEXT,
    bind_resource TEXT,
    CONSTRAINT service_bindings_pkey PRIMARY KEY (id),
    CONSTRAINT service_bindings_fk_service_instance_id FOREIGN KEY (service_instance_id) REFERENCES service_instances (id) ON DELETE CASCADE,
    CONSTRAINT service_bindings_fk_platform_id FOREIGN KEY (platform_id) REFERENCES platforms (id) ON DELETE NO ACTION
);
CREATE INDEX service_bindings_list ON service_bindings (created_at, id);
CREATE INDEX service_bindings_service_instance_id ON service_bindings (service_instance_id);
CREATE INDEX service_bindings_platform_id ON service_bindings (platform_id);
CREATE INDEX service_bindings_name ON service_bindings (name);
CREATE TABLE service_bindings_labels (
    entity_id TEXT COLLATE "C" NOT NULL,
    label_key TEXT COLLATE "C" NOT NULL,
    label_value TEXT COLLATE "C" NOT NULL,
    ord INTEGER NOT NULL,
    CONSTRAINT service_bindings_labels_pkey PRIMARY KEY (entity_id, label_key, label_value),
    CONSTRAINT service_bindings_labels_fk_entity_id FOREIGN KEY (entity_id) REFERENCES service_bindings (id) ON DELETE CASCADE
);
CREATE INDEX service_bindings_labels_key_value ON service_bindings_labels (label_key, label_value, entity_id);
