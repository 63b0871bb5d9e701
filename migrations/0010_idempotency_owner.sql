-- Which process runs a claimed Idempotency-Key.
--
-- A request whose database went away mid-flight cannot release its key, so the row stays
-- 'running' until its lease runs out, and every retry waited for that. With the owner
-- recorded, a retry that reaches the same process sees that nothing there runs the key any
-- more and takes it over at once; a retry reaching another process still waits for the
-- lease, which the running process now renews while it works, so it can be short.
-- Rows claimed before this migration have no owner and are left to their lease.
ALTER TABLE idempotency_requests ADD COLUMN owner text NULL;
