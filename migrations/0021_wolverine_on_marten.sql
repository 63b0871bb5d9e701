-- Wolverine on Marten: Wolverine's message store is Marten's (WolverineFx.Marten 6.62.0, IntegrateWithWolverine in
-- src/SCOFacts.Api/Storage/MartenModule.cs), so events, views and outgoing messages commit in one transaction. The
-- integration adds one document to Marten's configuration, Wolverine's envelope; this is exactly what Marten's own
-- tooling wrote for the difference:
--   dotnet run --project src/SCOFacts.Api -- schema export FILE
-- against a database migrated through 0020. Wolverine's own tables stay those of 0017 (schema wolverine). Never edited.

CREATE TABLE IF NOT EXISTS public.mt_doc_envelope (
    id                  uuid                        NOT NULL,
    data                jsonb                       NOT NULL,
    mt_last_modified    timestamp with time zone    NULL DEFAULT (transaction_timestamp()),
    mt_version          uuid                        NOT NULL DEFAULT (md5(random()::text || clock_timestamp()::text)::uuid),
    mt_dotnet_type      varchar                     NULL,
CONSTRAINT pkey_mt_doc_envelope_id PRIMARY KEY (id)
);
