-- jobfleet schema, version 4: the races that version 2 left open.
--
-- 1. A concurrency limit set or lowered while jobs of its key run is never overshot from the moment
--    the limit call returns: one gate row per concurrency key, locked FOR KEY SHARE by every claim
--    of the key and FOR UPDATE by the limit call, which gives running jobs their slots first.
-- 2. (No schema change.) Statements that finish several fan-in children at once lock their batch
--    rows in id order before the count-down trigger runs (see JobSql), so finishers never deadlock.
-- 3. Handler locks: a named lock a handler holds for a critical section, fenced by its run.

-- ---- 1. the concurrency gate --------------------------------------------------------------------

-- One row per concurrency key ever used, limited or not. A claim of a job with a key locks the
-- key's row FOR KEY SHARE (claims of one key never wait on each other) and reads the limit from
-- it; a row read under a lock is its newest version, whatever the claim's snapshot. The limit
-- call closes the gate (claims that start after that skip the key), then takes the row FOR UPDATE,
-- which waits for the claims that locked it before, and only then counts the running jobs.
CREATE TABLE concurrency_key (
    key          text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    -- the limit as claims read it; null: the key runs unbounded (no row in concurrency_limit)
    max_running  integer     CHECK (max_running BETWEEN 1 AND 10000),
    -- bumped by every limit call: a claim whose snapshot saw another generation than the row it
    -- locked reads slots that are out of date, and skips the key
    generation   bigint      NOT NULL DEFAULT 0,
    -- set while a limit call runs; claims skip the key until then (a call that died opens it again)
    closed_until timestamptz
);

INSERT INTO concurrency_key (key, max_running) SELECT key, max_running FROM concurrency_limit;
INSERT INTO concurrency_key (key)
SELECT DISTINCT concurrency_key FROM jobs WHERE concurrency_key IS NOT NULL
ON CONFLICT (key) DO NOTHING;

-- Every job with a key has its gate before any claim can see the job (same transaction).
CREATE FUNCTION jobfleet_concurrency_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO concurrency_key (key) VALUES (NEW.concurrency_key) ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_concurrency_key
    AFTER INSERT OR UPDATE OF concurrency_key ON jobs
    FOR EACH ROW WHEN (NEW.concurrency_key IS NOT NULL)
    EXECUTE FUNCTION jobfleet_concurrency_key();

-- Leaving RUNNING frees the slot held under that run's token. A slot above the key's limit (given
-- to a run that was already running when the limit was set or lowered) is dropped once freed, so
-- the key has at most max_running slots again once those runs have ended. The limit call locks the
-- key's running jobs FOR SHARE before it rebuilds the slots, so this never runs beside it.
CREATE OR REPLACE FUNCTION jobfleet_free_slot() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    freed concurrency_slot;
BEGIN
    UPDATE concurrency_slot SET job_id = NULL, claim_token = NULL, taken_at = NULL
    WHERE job_id = OLD.id AND claim_token = OLD.claim_token
    RETURNING * INTO freed;
    IF FOUND THEN
        DELETE FROM concurrency_slot s USING concurrency_key k
        WHERE s.key = freed.key AND s.slot = freed.slot AND s.job_id IS NULL
          AND k.key = s.key AND (k.max_running IS NULL OR s.slot > k.max_running);
    END IF;
    RETURN NULL;
END $$;

-- ---- 3. handler locks ---------------------------------------------------------------------------

-- Fencing tokens of handler locks: every acquisition gets a larger one than all before it.
CREATE SEQUENCE handler_lock_fence;

-- A named lock held by one run (job id + claim token) from acquired_at until it is released or
-- expires_at passes (database clock). A holder whose job is no longer RUNNING under its token
-- holds nothing: the next acquirer takes the row over at once. The row of a name stays (released
-- or not), so that every acquisition takes its fence under the row's lock, after the previous
-- holder's: fences of one name grow in the order the lock was held. Rows go with their job
-- (retention of finished jobs).
CREATE TABLE handler_lock (
    name        text        PRIMARY KEY CHECK (length(name) BETWEEN 1 AND 255),
    job_id      uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    claim_token uuid        NOT NULL,
    fence       bigint      NOT NULL,
    acquired_at timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    released_at timestamptz,
    CHECK (expires_at > acquired_at)
);

CREATE INDEX handler_lock_job ON handler_lock (job_id);
