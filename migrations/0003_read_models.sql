-- Read models kept by the inline projection (ReadModels/FactsProjection.cs): every row
-- here is derived from the event log and can be rebuilt from it.

CREATE TABLE source_views (
    source_id          text             PRIMARY KEY,
    title              text             NOT NULL,
    publisher          text             NOT NULL,
    author             text             NULL,
    url                text             NULL,
    published_on       text             NULL,
    kind               text             NOT NULL,
    language           text             NOT NULL,
    document           text             NULL,
    sha256             text             NULL,
    note               text             NULL,
    rated_reliability  double precision NULL,
    rating_reason      text             NULL,
    rated_by           text             NULL,
    rating_count       int              NOT NULL,
    claim_count        int              NOT NULL DEFAULT 0,
    active_claim_count int              NOT NULL DEFAULT 0,
    version            bigint           NOT NULL,
    registered_at      timestamptz      NOT NULL,
    updated_at         timestamptz      NOT NULL
);

CREATE INDEX source_views_publisher ON source_views (publisher);

CREATE TABLE fact_views (
    fact_id            text             PRIMARY KEY,
    subject            text             NOT NULL,
    property           text             NOT NULL,
    qualifiers         jsonb            NOT NULL,
    value_type         text             NOT NULL,
    unit               text             NULL,
    description        text             NOT NULL,
    version            bigint           NOT NULL,
    verdict            text             NOT NULL,
    value_display      text             NULL,
    value_lower        double precision NULL,
    value_upper        double precision NULL,
    value_key          text             NULL,
    confidence         double precision NOT NULL,
    reference_date     date             NULL,
    claim_count        int              NOT NULL,
    active_claim_count int              NOT NULL,
    open_dispute_count int              NOT NULL,
    explanation        text             NOT NULL,
    defined_at         timestamptz      NOT NULL,
    updated_at         timestamptz      NOT NULL
);

-- Listing and filtering are keyset-paginated by fact_id within each filter.
CREATE INDEX fact_views_subject  ON fact_views (subject, fact_id);
CREATE INDEX fact_views_property ON fact_views (property, fact_id);
CREATE INDEX fact_views_verdict  ON fact_views (verdict, fact_id);
CREATE INDEX fact_views_contested ON fact_views (confidence, fact_id) WHERE verdict = 'contested';

CREATE TABLE claim_index (
    claim_id         text        PRIMARY KEY,
    fact_id          text        NOT NULL,
    source_id        text        NOT NULL,
    status           text        NOT NULL,
    recorded_version bigint      NOT NULL,
    recorded_at      timestamptz NOT NULL
);

CREATE INDEX claim_index_source ON claim_index (source_id, claim_id);
CREATE INDEX claim_index_fact   ON claim_index (fact_id, claim_id);

-- Source reliabilities learned by the trust estimator (kept by the daemon), current values.
CREATE TABLE source_trust (
    source_id    text             PRIMARY KEY,
    reliability  double precision NOT NULL,
    support      int              NOT NULL,
    estimated_at timestamptz      NOT NULL
);

-- Every estimate ever made, so a read "as known at T" uses the weights that stood at T.
CREATE TABLE source_trust_history (
    source_id    text             NOT NULL,
    estimated_at timestamptz      NOT NULL,
    reliability  double precision NOT NULL,
    support      int              NOT NULL,
    PRIMARY KEY (source_id, estimated_at)
);

-- Seed sets loaded to completion (a crash half-way leaves no row, so the next start resumes).
CREATE TABLE seed_loads (
    name         text        PRIMARY KEY,
    completed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
