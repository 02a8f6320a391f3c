-- Local API: raw payloads findable by Vital resource; webhook endpoints and their deliveries.
ALTER TABLE raw_records ADD COLUMN vital_resource TEXT;
CREATE INDEX raw_by_vital_resource ON raw_records (vital_resource, day);

CREATE TABLE webhook_endpoints (
    id          INTEGER PRIMARY KEY,
    url         TEXT NOT NULL,
    secret      BLOB NOT NULL,                 -- sealed `whsec_...`
    event_types TEXT,                          -- JSON array filter, NULL = all
    created_at  INTEGER NOT NULL,
    disabled_at INTEGER
) STRICT;

CREATE TABLE webhook_deliveries (
    id              INTEGER PRIMARY KEY,
    endpoint_id     INTEGER NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    msg_id          TEXT NOT NULL,
    event_type      TEXT NOT NULL,
    payload         TEXT NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    status          TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | failed
    last_status     INTEGER,
    last_error      TEXT,
    created_at      INTEGER NOT NULL,
    delivered_at    INTEGER,
    UNIQUE (endpoint_id, msg_id)
) STRICT;
CREATE INDEX deliveries_due ON webhook_deliveries (status, next_attempt_at);
