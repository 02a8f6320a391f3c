-- The study server's schema: the same identities as the desktop's SQLite store (schema 8), so
-- a reading forwarded twice, from any machine, is stored once. Text compares and sorts as
-- bytes (COLLATE "C"), as SQLite does, whatever the database's locale.
CREATE TABLE users (
    user_id             text COLLATE "C" PRIMARY KEY,
    client_user_id      text COLLATE "C" NOT NULL UNIQUE,
    created_at          bigint NOT NULL,
    fallback_time_zone  text,
    fallback_birth_date text,
    ingestion_start     text,
    ingestion_end       text,
    notes               text,
    cohort              text
);

-- Connections of pushed readings (one per user × provider); a study server never syncs.
CREATE TABLE connections (
    id         bigserial PRIMARY KEY,
    user_id    text COLLATE "C" NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    provider   text COLLATE "C" NOT NULL,
    status     text NOT NULL DEFAULT 'connected',
    kind       text NOT NULL DEFAULT 'push',
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL,
    UNIQUE (user_id, provider)
);

-- Units and source types, each text once.
CREATE TABLE labels (
    id   serial PRIMARY KEY,
    text text COLLATE "C" NOT NULL UNIQUE
);

CREATE TABLE series (
    id            serial PRIMARY KEY,
    user_id       text COLLATE "C" NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    metric        text COLLATE "C" NOT NULL,
    provider      text COLLATE "C" NOT NULL,
    connection_id bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    unit_id       integer NOT NULL REFERENCES labels(id),
    UNIQUE (user_id, metric, provider)
);
CREATE INDEX series_by_connection ON series (connection_id);

-- Partitioned by month of `ts` (epoch ms); the server creates each month's partition before
-- the first batch that reaches it, and the next months ahead at start. The primary key is the
-- read order (one series, by time) and the upsert key.
CREATE TABLE samples (
    series_id integer NOT NULL,
    ts        bigint NOT NULL,
    dur       bigint,
    value     double precision NOT NULL,
    tz_offset integer,
    unit_id   integer,
    source_id integer,
    PRIMARY KEY (series_id, ts)
) PARTITION BY RANGE (ts);

CREATE TABLE summaries (
    id                 text COLLATE "C" PRIMARY KEY,
    user_id            text COLLATE "C" NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    connection_id      bigint NOT NULL REFERENCES connections(id) ON DELETE CASCADE,
    provider           text COLLATE "C" NOT NULL,
    resource           text COLLATE "C" NOT NULL,
    provider_record_id text COLLATE "C" NOT NULL,
    calendar_date      text COLLATE "C" NOT NULL,
    start_at           bigint,
    end_at             bigint,
    data               bytea NOT NULL,          -- zstd of the Vital document (JSON), as in SQLite
    created_at         bigint NOT NULL,
    updated_at         bigint NOT NULL,
    stream             bytea,
    UNIQUE (connection_id, resource, provider_record_id)
);
CREATE INDEX summaries_by_day ON summaries (user_id, resource, calendar_date, start_at);
