CREATE TABLE parliaments (
    id BIGSERIAL PRIMARY KEY,
    period TEXT NOT NULL UNIQUE,
    government TEXT NOT NULL,
    opening_at TIMESTAMP,
    dissolution_at TIMESTAMP,
    response_threshold BIGINT NOT NULL,
    debate_threshold BIGINT NOT NULL,
    archived_at TIMESTAMP
);

CREATE TABLE rejection_reasons (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    hidden BOOLEAN NOT NULL
);

CREATE TABLE countries (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL
);

CREATE TABLE regions (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    ons_code TEXT NOT NULL UNIQUE
);

CREATE TABLE constituencies (
    ons_code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    nation TEXT NOT NULL,
    region_code TEXT NOT NULL REFERENCES regions (code),
    mp_name TEXT,
    party TEXT,
    start_date DATE,
    end_date DATE
);

CREATE TABLE departments (
    id BIGSERIAL PRIMARY KEY,
    acronym TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    url TEXT
);

CREATE TABLE topics (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL
);

CREATE TABLE petitions (
    id BIGSERIAL PRIMARY KEY,
    action TEXT NOT NULL,
    background TEXT,
    additional_details TEXT,
    committee_note TEXT,
    state TEXT NOT NULL,
    response_state TEXT NOT NULL DEFAULT 'pending',
    debate_state TEXT NOT NULL DEFAULT 'pending',
    signature_count BIGINT NOT NULL DEFAULT 0 CHECK (signature_count >= 0),
    creator_name TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    rejected_at TIMESTAMP,
    opened_at TIMESTAMP,
    closed_at TIMESTAMP,
    deadline TIMESTAMP,
    moderation_threshold_reached_at TIMESTAMP,
    response_threshold_reached_at TIMESTAMP,
    government_response_at TIMESTAMP,
    debate_threshold_reached_at TIMESTAMP,
    debate_scheduled_on DATE,
    scheduled_debate_date DATE,
    debate_outcome_at TIMESTAMP,
    rejection_code TEXT REFERENCES rejection_reasons (code),
    rejection_details TEXT,
    parliament_id BIGINT REFERENCES parliaments (id),
    archived_at TIMESTAMP,
    search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(action, '')), 'A') ||
        setweight(to_tsvector('english', coalesce(background, '')), 'B') ||
        setweight(to_tsvector('english', coalesce(additional_details, '')), 'C')
    ) STORED
);

CREATE INDEX petitions_public_by_count ON petitions (archived_at, state, signature_count DESC, created_at DESC);
CREATE INDEX petitions_by_parliament ON petitions (parliament_id);
CREATE INDEX petitions_search ON petitions USING GIN (search_vector);

CREATE TABLE government_responses (
    petition_id BIGINT PRIMARY KEY REFERENCES petitions (id) ON DELETE CASCADE,
    responded_on DATE,
    summary TEXT NOT NULL,
    details TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE debate_outcomes (
    petition_id BIGINT PRIMARY KEY REFERENCES petitions (id) ON DELETE CASCADE,
    debated BOOLEAN NOT NULL,
    debated_on DATE,
    overview TEXT,
    transcript_url TEXT,
    video_url TEXT,
    debate_pack_url TEXT,
    public_engagement_url TEXT,
    debate_summary_url TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE other_parliamentary_business (
    id BIGSERIAL PRIMARY KEY,
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    subject TEXT NOT NULL,
    body TEXT NOT NULL,
    occurred_on DATE,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX other_parliamentary_business_by_petition ON other_parliamentary_business (petition_id);

CREATE TABLE petition_departments (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    department_id BIGINT NOT NULL REFERENCES departments (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (petition_id, department_id)
);

CREATE TABLE petition_topics (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    topic_id BIGINT NOT NULL REFERENCES topics (id),
    position INTEGER NOT NULL,
    PRIMARY KEY (petition_id, topic_id)
);
CREATE INDEX petition_topics_by_topic ON petition_topics (topic_id);

-- Breakdowns keep the name (and MP) they were counted under: an archived petition shows
-- the constituencies and members of its own parliament, not today's.
CREATE TABLE petition_country_signatures (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    code TEXT NOT NULL,
    name TEXT NOT NULL,
    signature_count BIGINT NOT NULL CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, code)
);

CREATE TABLE petition_constituency_signatures (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    ons_code TEXT NOT NULL,
    name TEXT NOT NULL,
    mp TEXT,
    signature_count BIGINT NOT NULL CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, ons_code)
);

CREATE TABLE petition_region_signatures (
    petition_id BIGINT NOT NULL REFERENCES petitions (id) ON DELETE CASCADE,
    ons_code TEXT NOT NULL,
    name TEXT NOT NULL,
    signature_count BIGINT NOT NULL CHECK (signature_count >= 0),
    PRIMARY KEY (petition_id, ons_code)
);
