-- Long jobs (an import, a full trust estimation): asked for over HTTP or the command line, run from a durable
-- message, and watched through GET /api/jobs/{id}. Progress is written while the job runs (throttled), so the
-- rate and the expected finish are those of the last write. An import keeps its body here, not in the message,
-- so that a job re-delivered after a restart reads the same items.

CREATE TABLE jobs (
    job_id        uuid PRIMARY KEY,
    kind          text NOT NULL CHECK (kind IN ('import', 'trust-estimation')),
    state         text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    requested_by  text NOT NULL,
    reason        text NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz NULL,
    finished_at   timestamptz NULL,
    attempts      integer NOT NULL DEFAULT 0,
    done          bigint NOT NULL DEFAULT 0,
    total         bigint NULL,
    unit          text NOT NULL,
    rate          double precision NULL,
    eta           timestamptz NULL,
    result        jsonb NULL,
    error         jsonb NULL,
    input         text NULL,
    CHECK ((state IN ('succeeded', 'failed')) = (finished_at IS NOT NULL))
);

-- Newest first, the listing's order and its cursor.
CREATE INDEX jobs_created ON jobs (created_at DESC, job_id DESC);
