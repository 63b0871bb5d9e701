-- Inputs of the trust estimator, kept by the asynchronous trust projection (Trust/TrustProjection.cs)
-- from fact and source events. Its outputs are source_trust and source_trust_history (0003).

-- One row per claim, as the estimator sees it. The object is the fact at the claim's valid time,
-- so that a 2017 figure and a 2025 figure are not taken to contradict each other.
CREATE TABLE trust_claims (
    claim_id      text             PRIMARY KEY,
    fact_id       text             NOT NULL,
    object_id     text             NOT NULL,
    source_id     text             NOT NULL,
    -- The normalised publisher: claims of one publisher speak as one voice.
    voice         text             NOT NULL,
    -- A number or date as an interval in the fact's unit (day numbers for dates), or a key.
    value_lower   double precision NULL,
    value_upper   double precision NULL,
    lower_closed  boolean          NULL,
    upper_closed  boolean          NULL,
    value_key     text             NULL,
    -- An editor upheld a dispute against the claim: evidence that its source was wrong.
    upheld        boolean          NOT NULL,
    -- Neither retracted nor lost to an upheld dispute.
    active        boolean          NOT NULL,
    CHECK ((value_key IS NULL) = (value_lower IS NOT NULL AND value_upper IS NOT NULL))
);

CREATE INDEX trust_claims_fact   ON trust_claims (fact_id);
CREATE INDEX trust_claims_source ON trust_claims (source_id, fact_id);

-- Each source's voice and editor rating (the estimator's prior), from source events.
CREATE TABLE trust_sources (
    source_id text             PRIMARY KEY,
    voice     text             NOT NULL,
    rated     double precision NULL
);

-- A history row with no reliability records that a source lost its last claim to learn from:
-- from then on, reads as known at a later moment use its rating or the default again.
ALTER TABLE source_trust_history ALTER COLUMN reliability DROP NOT NULL;
