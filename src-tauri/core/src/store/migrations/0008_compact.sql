-- The compact store. A sample row was ~160 bytes (user uuid, metric, provider and unit repeated
-- as text, plus a secondary index copying the whole key); it is now ~20: the text lives once in
-- `series` (one row per user × metric × provider) and `labels` (units and source types).
-- Documents are stored zstd-compressed (`vl_pack`, a function the store registers); reads
-- return the same bytes as before.
CREATE TABLE labels (
    id   INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE
) STRICT;

CREATE TABLE series (
    id            INTEGER PRIMARY KEY,
    user_id       TEXT NOT NULL,
    metric        TEXT NOT NULL,
    provider      TEXT NOT NULL,
    connection_id INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    unit_id       INTEGER NOT NULL,            -- labels(id): the unit of (almost) every sample
    UNIQUE (user_id, metric, provider)
) STRICT;
CREATE INDEX series_by_connection ON series (connection_id);

-- Identity is still (user, metric, provider, ts); a series' samples are contiguous and in time
-- order, which is what every range read walks.
CREATE TABLE series_samples (
    series_id  INTEGER NOT NULL REFERENCES series(id) ON DELETE CASCADE,
    ts         INTEGER NOT NULL,
    dur        INTEGER,                        -- end - ts (ms); NULL when the sample has no end
    value      REAL NOT NULL,
    tz_offset  INTEGER,
    unit_id    INTEGER,                        -- labels(id) when not the series' unit
    source_id  INTEGER,                        -- labels(id) of source_type, NULL when none
    PRIMARY KEY (series_id, ts)
) STRICT, WITHOUT ROWID;

INSERT INTO labels (text) SELECT unit FROM samples UNION SELECT source_type FROM samples WHERE source_type IS NOT NULL;
INSERT INTO series (user_id, metric, provider, connection_id, unit_id)
    SELECT g.user_id, g.metric, g.provider, g.connection_id, l.id
    FROM (SELECT user_id, metric, provider, MIN(connection_id) AS connection_id, MIN(unit) AS unit
          FROM samples GROUP BY user_id, metric, provider) g
    JOIN labels l ON l.text = g.unit ORDER BY g.user_id, g.metric, g.provider;
-- Read in the old key order, which is each series' time order: the new tree is appended to.
INSERT INTO series_samples (series_id, ts, dur, value, tz_offset, unit_id, source_id)
    SELECT se.id, s.ts, s.end_ts - s.ts, s.value, s.tz_offset,
           NULLIF((SELECT id FROM labels WHERE text = s.unit), se.unit_id),
           (SELECT id FROM labels WHERE text = s.source_type)
    FROM samples s JOIN series se ON se.user_id = s.user_id AND se.metric = s.metric AND se.provider = s.provider;
DROP TABLE samples;

CREATE TABLE raw_new (
    connection_id  INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    resource       TEXT NOT NULL,
    record_key     TEXT NOT NULL,
    day            TEXT,
    payload        BLOB NOT NULL,              -- zstd of the payload exactly as received
    fetched_at     INTEGER NOT NULL,
    vital_resource TEXT,
    PRIMARY KEY (connection_id, resource, record_key)
) STRICT;
INSERT INTO raw_new SELECT connection_id, resource, record_key, day, vl_pack(payload), fetched_at, vital_resource FROM raw_records;
DROP TABLE raw_records;
ALTER TABLE raw_new RENAME TO raw_records;
CREATE INDEX raw_by_vital_resource ON raw_records (vital_resource, day);

CREATE TABLE summaries_new (
    id                 TEXT PRIMARY KEY,
    user_id            TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    connection_id      INTEGER NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider           TEXT NOT NULL,
    resource           TEXT NOT NULL,
    provider_record_id TEXT NOT NULL,
    calendar_date      TEXT NOT NULL,
    start_at           INTEGER,
    end_at             INTEGER,
    data               BLOB NOT NULL,           -- zstd of the Vital document (JSON)
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL,
    stream             BLOB,                    -- zstd of its stream (JSON), when it has one
    UNIQUE (connection_id, resource, provider_record_id)
) STRICT;
INSERT INTO summaries_new SELECT id, user_id, connection_id, provider, resource, provider_record_id,
    calendar_date, start_at, end_at, vl_pack(data), created_at, updated_at, vl_pack(stream) FROM summaries;
DROP TABLE summaries;
ALTER TABLE summaries_new RENAME TO summaries;
CREATE INDEX summaries_by_user_date ON summaries (user_id, resource, calendar_date);

-- What tests and ad-hoc SQL read: the samples as they were.
CREATE VIEW samples AS
    SELECT se.user_id, se.metric, se.provider, s.ts, s.ts + s.dur AS end_ts, se.connection_id,
           s.value, COALESCE(u.text, su.text) AS unit, s.tz_offset, src.text AS source_type
    FROM series_samples s JOIN series se ON se.id = s.series_id
    JOIN labels su ON su.id = se.unit_id
    LEFT JOIN labels u ON u.id = s.unit_id
    LEFT JOIN labels src ON src.id = s.source_id;
