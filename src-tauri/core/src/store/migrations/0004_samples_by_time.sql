-- Time-range reads (every timeseries query) need `ts` right after (user, metric) in the key;
-- the identity of a sample stays (user, metric, provider, ts).
CREATE TABLE samples_new (
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
    PRIMARY KEY (user_id, metric, ts, provider)
) STRICT, WITHOUT ROWID;
INSERT INTO samples_new SELECT user_id, metric, provider, ts, end_ts, connection_id, value, unit, tz_offset, source_type FROM samples;
DROP TABLE samples;
ALTER TABLE samples_new RENAME TO samples;
CREATE INDEX samples_by_connection ON samples (connection_id);
