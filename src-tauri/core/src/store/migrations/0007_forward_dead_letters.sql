-- Dead letters: outbox batches the forward target refused for good (a permanent 4xx) or after
-- the last try. They stay in the outbox, are shown, and are sent again only on `forward retry`.
ALTER TABLE outbox ADD COLUMN parked_at INTEGER;     -- epoch ms; NULL = queued
ALTER TABLE outbox ADD COLUMN last_status INTEGER;   -- the target's last HTTP status, if any
