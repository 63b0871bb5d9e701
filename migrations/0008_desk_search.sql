-- The desk's fact search and list orderings (src/SCOFacts.Api/Desk/DeskQueries.cs).
-- Search is PostgreSQL full text with the 'simple' configuration (no stemming: names, slugs and quotes in
-- several languages), queried by prefix. Slugs are split on their punctuation so 'population-share' finds
-- 'sco.population-share-of-world'. The expressions here and in DeskQueries must stay identical, or the
-- planner cannot use the indexes.

CREATE INDEX desk_fact_search ON fact_views USING gin (
    to_tsvector('simple'::regconfig, translate(subject || ' ' || property, '.-_', '   ') || ' ' || description));

-- Quotes live only in the log; claims' quotes are searched there, one partial index over ClaimRecorded events.
CREATE INDEX desk_quote_search ON events USING gin (to_tsvector('simple'::regconfig, data->>'quote'))
    WHERE event_type = 'ClaimRecorded';

-- "Recently changed first" and "least confident first" without a sort.
CREATE INDEX desk_fact_updated    ON fact_views (updated_at DESC, fact_id);
CREATE INDEX desk_fact_confidence ON fact_views (confidence, fact_id);

-- The review queue: facts with open disputes.
CREATE INDEX desk_fact_open_disputes ON fact_views (fact_id) WHERE open_dispute_count > 0;
