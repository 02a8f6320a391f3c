-- Vital Link Desktop schema v1. Times are integer epoch milliseconds (UTC) unless named *_date.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    user_id            TEXT PRIMARY KEY,          -- Vital user_id (uuid)
    client_user_id     TEXT NOT NULL UNIQUE,
    created_at         INTEGER NOT NULL,
    fallback_time_zone TEXT,
    fallback_birth_date TEXT,
    ingestion_start    TEXT,
    ingestion_end      TEXT
) STRICT;

CREATE TABLE link_tokens (
    token_hash          TEXT PRIMARY KEY,         -- sha256 of the token; the token itself is never stored
    user_id             TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    provider            TEXT,
    redirect_url        TEXT,
    filter_on_providers TEXT,                     -- JSON array or NULL
    on_error            TEXT,
    on_close            TEXT,
    created_at          INTEGER NOT NULL,
    expires_at          INTEGER NOT NULL,
    state               TEXT NOT NULL DEFAULT 'created',
    state_provider      TEXT,
    error_type          TEXT,
    error_message       TEXT,
    updated_at          INTEGER NOT NULL
) STRICT;

CREATE TABLE connections (
    id               INTEGER PRIMARY KEY,
    user_id          TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    provider         TEXT NOT NULL,
    status           TEXT NOT NULL,               -- connected | syncing | error | reauth_required
    external_user_id TEXT,
    scopes           TEXT,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    last_sync_at     INTEGER,
    error_type       TEXT,
    error_message    TEXT,
    UNIQUE (user_id, provider)
) STRICT;

-- Tokens sealed by the vault (XChaCha20-Poly1305, AAD binds table/column/row).
CREATE TABLE connection_tokens (
    connection_id  INTEGER PRIMARY KEY REFERENCES connections(id) ON DELETE CASCADE,
    access_token   BLOB NOT NULL,
    refresh_token  BLOB,
    token_type     TEXT NOT NULL,
    expires_at     INTEGER,
    scope          TEXT,
    updated_at     INTEGER NOT NULL
) STRICT;

CREATE TABLE sync_cursors (
    connection_id    INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    resource         TEXT NOT NULL,
    newest_day       TEXT,                        -- newest day fully synced (YYYY-MM-DD)
    oldest_day       TEXT,                        -- oldest day fully backfilled
    backfill_target  TEXT,                        -- the oldest day the backfill must reach
    updated_at       INTEGER NOT NULL,
    PRIMARY KEY (connection_id, resource)
) STRICT;

-- Provider payloads exactly as received: one row per provider document (or per time-series page).
CREATE TABLE raw_records (
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    resource       TEXT NOT NULL,
    record_key     TEXT NOT NULL,
    day            TEXT,
    payload        TEXT NOT NULL,
    fetched_at     INTEGER NOT NULL,
    PRIMARY KEY (connection_id, resource, record_key)
) STRICT;

-- Vital summaries (sleep, activity, workouts, body, profile) as Vital-shaped JSON documents.
CREATE TABLE summaries (
    id                 TEXT PRIMARY KEY,          -- stable uuid v5 of (user, provider, resource, record)
    user_id            TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    connection_id      INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider           TEXT NOT NULL,
    resource           TEXT NOT NULL,
    provider_record_id TEXT NOT NULL,
    calendar_date      TEXT NOT NULL,
    start_at           INTEGER,
    end_at             INTEGER,
    data               TEXT NOT NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    UNIQUE (connection_id, resource, provider_record_id)
) STRICT;
CREATE INDEX summaries_by_user_date ON summaries (user_id, resource, calendar_date);

-- Vital timeseries samples; identity is (user, metric, provider, timestamp) as in Vital.
CREATE TABLE samples (
    user_id        TEXT NOT NULL,
    metric         TEXT NOT NULL,
    provider       TEXT NOT NULL,
    ts             INTEGER NOT NULL,
    end_ts         INTEGER,
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    value          REAL NOT NULL,
    unit           TEXT NOT NULL,
    tz_offset      INTEGER,
    source_type    TEXT,
    PRIMARY KEY (user_id, metric, provider, ts)
) STRICT, WITHOUT ROWID;
CREATE INDEX samples_by_connection ON samples (connection_id);

CREATE TABLE events (
    id         INTEGER PRIMARY KEY,
    at         INTEGER NOT NULL,
    kind       TEXT NOT NULL,
    user_id    TEXT,
    provider   TEXT,
    detail     TEXT NOT NULL DEFAULT '{}'
) STRICT;
CREATE INDEX events_by_time ON events (at);
