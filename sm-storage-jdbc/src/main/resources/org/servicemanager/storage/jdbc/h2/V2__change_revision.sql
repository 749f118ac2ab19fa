-- The registry's change revision (Store.changeRevision): one row that the store bumps, in the same
-- transaction, before every write to a registry table (platforms, service_brokers,
-- service_offerings, service_plans, visibilities and their labels). Being a row, the new value
-- commits with the data and never before it, so a node that reads it and then the registry sees at
-- least the change it stands for. Instances and bindings never touch it.
CREATE TABLE sm_change_revision (
    id INTEGER NOT NULL,
    revision BIGINT NOT NULL,
    CONSTRAINT sm_change_revision_pkey PRIMARY KEY (id),
    CONSTRAINT sm_change_revision_one_row CHECK (id = 1)
);
INSERT INTO sm_change_revision (id, revision) VALUES (1, 0);
