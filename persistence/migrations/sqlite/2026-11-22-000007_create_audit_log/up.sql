-- Every staff action: who did what to which petition (or other thing), when, with the state
-- before and after as JSON. Written in the transaction of the action itself.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    petition_id BIGINT,
    subject TEXT,
    before_state TEXT,
    after_state TEXT,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX audit_log_by_petition ON audit_log (petition_id, id) WHERE petition_id IS NOT NULL;
CREATE INDEX audit_log_by_actor ON audit_log (actor, id);
