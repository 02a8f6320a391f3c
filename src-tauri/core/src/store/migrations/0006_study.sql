-- Studies: participant notes and cohort, and the participant's acceptance of the agreement.
ALTER TABLE users ADD COLUMN notes TEXT;
ALTER TABLE users ADD COLUMN cohort TEXT;

CREATE TABLE consents (
    id          INTEGER PRIMARY KEY,
    user_id     TEXT NOT NULL REFERENCES users(user_id) ON DELETE CASCADE,
    version     TEXT NOT NULL,
    accepted_at INTEGER NOT NULL,
    via         TEXT NOT NULL              -- window | link_page | cli
) STRICT;
CREATE INDEX consents_by_user ON consents (user_id, accepted_at);
