-- The text of each source's document, kept by the facts projection (ReadModels/FactsProjection.cs) from
-- SourceDocumentAttached events. Claims about a source with a document must quote it verbatim; the
-- application reads the text from here rather than folding the source's stream for every claim.
CREATE TABLE source_documents (
    source_id    text        PRIMARY KEY,
    sha256       text        NOT NULL,
    length       int         NOT NULL,
    text         text        NOT NULL,
    attached_by  text        NOT NULL,
    attached_at  timestamptz NOT NULL
);
