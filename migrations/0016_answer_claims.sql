-- Stored answers name their claims instead of carrying them: each fact's claims are stored once, one row each (the
-- claim's folded state and its part of a response), so a write rewrites the claims it changed and not every claim once
-- per stretch of valid time. The facts read model's revision 4 rebuilds these rows from the log on start
-- (src/SCOFacts.Api/ReadModels/ReadModelRevisions.cs); the rows of the earlier layout are derived data and go first.
TRUNCATE fact_answers, fact_answer_stretches;

-- fact_answers.state now holds the fact's state but its claims. state_key is new with every stored state: a process
-- that wrote the state keeps it parsed under that key, and a row with another key is read afresh.
ALTER TABLE fact_answers ADD COLUMN state_key uuid NOT NULL;

-- One row per claim of a fact: position is its place in the order claims were recorded, state its folded state (the
-- domain's JSON), response the claim as a fact's response lists it.
CREATE TABLE fact_answer_claims (
    fact_id  text    NOT NULL,
    claim_id text    NOT NULL,
    position integer NOT NULL,
    state    text    NOT NULL,
    response text    NOT NULL,
    PRIMARY KEY (fact_id, claim_id)
);

-- A stretch's response is now response_head, the "asOf" axes, response_middle, the explanation, the supporting,
-- conflicting and excluded claims (named here, their responses joined from fact_answer_claims at read time), and
-- response_tail, which starts after the excluded list.
ALTER TABLE fact_answer_stretches
    ADD COLUMN supporting_ids  text[] NOT NULL,
    ADD COLUMN conflicting_ids text[] NOT NULL,
    ADD COLUMN excluded_ids    text[] NOT NULL;
