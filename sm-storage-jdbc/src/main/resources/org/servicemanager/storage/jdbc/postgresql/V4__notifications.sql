-- The notification log for the Service Broker Proxies (Store.notifications()).
-- sm_notification_revision is one row: the last revision handed out and the greatest one removed.
-- An append UPDATEs it in the appending transaction, so the row lock, held until commit or
-- rollback, lets one appender at a time take a revision: revisions commit in their order and a
-- reader that has seen revision r can never see a smaller one appear later (a sequence would not
-- give that: sequence order is not commit order). A rollback turns the counter back with it.
CREATE TABLE sm_notification_revision (
    id INTEGER NOT NULL,
    revision BIGINT NOT NULL,
    removed_through BIGINT NOT NULL,
    CONSTRAINT sm_notification_revision_pkey PRIMARY KEY (id),
    CONSTRAINT sm_notification_revision_one_row CHECK (id = 1)
);
INSERT INTO sm_notification_revision (id, revision, removed_through) VALUES (1, 0, 0);
-- Readers scan by revision (the primary key); retention removes by creation time.
CREATE TABLE sm_notifications (
    revision BIGINT NOT NULL,
    id TEXT COLLATE "C" NOT NULL,
    resource TEXT COLLATE "C" NOT NULL,
    type TEXT COLLATE "C" NOT NULL,
    platform_id TEXT COLLATE "C",
    payload TEXT NOT NULL,
    correlation_id TEXT,
    created_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sm_notifications_pkey PRIMARY KEY (revision)
);
CREATE INDEX sm_notifications_created ON sm_notifications (created_at);
-- How many proxy connections of a platform each node has open, as the node last recorded it. No
-- foreign key to platforms: a node may record a platform that is being deleted.
CREATE TABLE sm_proxy_connections (
    platform_id TEXT COLLATE "C" NOT NULL,
    node_id TEXT COLLATE "C" NOT NULL,
    open_connections INTEGER NOT NULL,
    recorded_at TIMESTAMP WITH TIME ZONE NOT NULL,
    CONSTRAINT sm_proxy_connections_pkey PRIMARY KEY (platform_id, node_id)
);
