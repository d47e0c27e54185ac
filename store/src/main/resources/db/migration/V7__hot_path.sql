-- Throughput (issue 8). Indexes only where a query or a constraint needs them, partial where most rows
-- don't qualify; autovacuum tuned for the tables every job churns.

-- Most jobs carry no idempotency key, yet the UNIQUE constraint's index held an entry for every job
-- (NULLs included) and got a new one on every non-HOT update of the row. The same guarantee for the
-- keyed jobs only: ON CONFLICT DO NOTHING (no conflict target) and the lookup by key use this index.
CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
ALTER TABLE jobs DROP CONSTRAINT jobs_idempotency_key_key;

-- jobs: every job is inserted, updated two to four times and, with retention, deleted; the defaults
-- (vacuum at 20% dead rows, analyze at 10%) let a table of millions carry hundreds of thousands of dead
-- versions that every claim's index scan steps over. Vacuum at 2% (or 1,000 rows), analyze at 2%, and
-- don't throttle the vacuum of this table (cost delay 0: it competes with the claims for I/O far less
-- than the dead rows do).
ALTER TABLE jobs SET (
    autovacuum_vacuum_scale_factor = 0.02,
    autovacuum_vacuum_threshold = 1000,
    autovacuum_analyze_scale_factor = 0.02,
    autovacuum_vacuum_cost_delay = 0);

-- outbox: rows live for milliseconds (inserted with the job, deleted by the relay); vacuum it often so
-- the relay's ORDER BY id LIMIT scan doesn't walk a tail of dead rows.
ALTER TABLE outbox SET (
    autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_cost_delay = 0);

-- job_history and demo_execution: insert-mostly; vacuum them on inserts too (PostgreSQL 13+), so their
-- visibility maps stay current and index-only scans stay index-only.
ALTER TABLE job_history SET (
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.05);
ALTER TABLE demo_execution SET (
    autovacuum_vacuum_insert_scale_factor = 0.05,
    autovacuum_analyze_scale_factor = 0.05);
