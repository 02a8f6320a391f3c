-- Sync scheduling and status per connection, connections that only receive pushed data, and
-- the outbox of readings waiting to be forwarded to a remote Vital-compatible server.
ALTER TABLE connections ADD COLUMN kind TEXT NOT NULL DEFAULT 'oauth';   -- oauth | push
ALTER TABLE connections ADD COLUMN next_sync_at INTEGER;                 -- epoch ms; NULL = due
ALTER TABLE connections ADD COLUMN last_attempt_at INTEGER;
ALTER TABLE connections ADD COLUMN backfill_progress INTEGER;            -- 0..100 while backfilling

-- One row per chunk of new or changed readings of one (user, provider, resource), written in
-- the same transaction as the page that produced them; deleted once the target accepted it.
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    user_id         TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    provider        TEXT NOT NULL,
    kind            TEXT NOT NULL,            -- summary | samples
    resource        TEXT NOT NULL,            -- summary resource, or timeseries metric (read name)
    keys            TEXT NOT NULL,            -- JSON array: summary ids, or sample timestamps (ms)
    stage           TEXT NOT NULL,            -- daily | historical
    start_day       TEXT,
    end_day         TEXT,
    created_at      INTEGER NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL DEFAULT 0,
    last_error      TEXT
) STRICT;
CREATE INDEX outbox_by_user ON outbox (user_id);
CREATE INDEX outbox_due ON outbox (next_attempt_at, id);
