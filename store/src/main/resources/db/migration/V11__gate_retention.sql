-- jobfleet schema, version 11: concurrency-key gate rows are bounded too.
--
-- V4 gave every concurrency key ever used a gate row (concurrency_key) and never deleted one: a
-- fleet whose keys are per customer or per document grows that table without end. Retention now
-- deletes the gate of a key that is idle: no limit set on it, not closed by a limit call, no slot,
-- and no job of the key that could still be claimed (PENDING, RUNNING, RETRY_SCHEDULED, or DEAD,
-- which an operator can re-drive without touching the key).
--
-- The race: a submission of a key whose gate exists inserts its job, and its trigger's INSERT ...
-- ON CONFLICT DO NOTHING finds the gate and keeps it without a lock. Until the submission commits,
-- its job is invisible to every other snapshot, so the key looks idle; a purge that deletes the
-- gate then leaves a PENDING job without one, which no claim ever takes (the claim needs the gate
-- row to lock). Row locks cannot close this without making every keyed submission write the gate
-- row, so the two sides meet on an advisory lock of the key instead, held to the end of their
-- transactions: the trigger takes it SHARED before it looks for the gate (submissions of a key do
-- not wait for each other), the purge tries it EXCLUSIVE and skips the key when a submission holds
-- it, and re-checks that the key is idle on a snapshot taken after the lock. A submission that
-- comes after the purge took the lock waits for the purge to commit and then inserts a new gate.
-- Advisory locks live in the lock table only: no row version, no WAL, no multixact.

-- 1 = the gate's class of advisory lock (int4 pair: class, hashtext(key)); a hash collision only
-- makes a purge skip a key or a submission wait for one purge.
CREATE OR REPLACE FUNCTION jobfleet_concurrency_key() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock_shared(1, hashtext(NEW.concurrency_key));
    INSERT INTO concurrency_key (key) VALUES (NEW.concurrency_key) ON CONFLICT (key) DO NOTHING;
    RETURN NULL;
END $$;

-- The purge asks "is any job of this key still claimable?" per gate row; without this index that is
-- a scan of jobs per key. Partial: finished jobs (nearly all rows) have no entry, and unkeyed jobs none.
CREATE INDEX jobs_concurrency_key_live ON jobs (concurrency_key)
    WHERE concurrency_key IS NOT NULL AND state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED', 'DEAD');
