-- Stored answers, kept by the inline facts projection (src/SCOFacts.Api/ReadModels/FactsProjection.cs) in each
-- append's transaction, so a plain read of a fact is one indexed read and a write starts from the stored state
-- instead of replaying the fact's stream. Every row is derived from the log and the current source weights, and a
-- rebuild reproduces it.

-- One row per fact: its folded state (the domain's JSON) at a stream version, and the times of its first and latest event.
CREATE TABLE fact_answers (
    fact_id    text        PRIMARY KEY,
    version    bigint      NOT NULL,
    state      text        NOT NULL,
    defined_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

-- The fact's answer per stretch of valid time [valid_from, valid_to) (NULL ends are open), as the response a read
-- serves, split where it depends on the day asked: response_head, the "asOf" axes, response_middle, the
-- explanation, response_tail. The axes and the explanation are made at read time from the columns between.
CREATE TABLE fact_answer_stretches (
    fact_id              text    NOT NULL,
    valid_from           date    NULL,
    valid_to             date    NULL,
    timeless             boolean NOT NULL,
    reference_carried_from date  NULL,
    carried_forward_from date    NULL,
    missing              text    NULL,
    explanation_rest     text    NOT NULL,
    response_head        text    NOT NULL,
    response_middle      text    NOT NULL,
    response_tail        text    NOT NULL
);

-- A read finds its stretch among the fact's few; an open start sorts first.
CREATE INDEX fact_answer_stretches_fact ON fact_answer_stretches (fact_id, valid_from NULLS FIRST);
