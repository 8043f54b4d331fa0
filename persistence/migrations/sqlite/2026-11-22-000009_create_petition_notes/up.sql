-- Staff's private note on a petition (one per petition, as the official site keeps it).
CREATE TABLE petition_notes (
    petition_id BIGINT PRIMARY KEY NOT NULL REFERENCES petitions (id),
    details TEXT NOT NULL,
    updated_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
