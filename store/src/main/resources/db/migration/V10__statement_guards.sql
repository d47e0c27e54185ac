-- Throughput (issue 8): the guards every writer of jobs meets, checked once per statement instead of
-- once per row. The rules are the same and stay in the database for every writer; what changes is
-- how often PL/pgSQL and SPI run: a batch of 200 jobs claimed, finished or submitted paid about five
-- trigger calls per job (a transition check with its own query per state change, a version bump per
-- write, a foreign-key probe with its own query per history row); now it pays one call per statement
-- for the transitions and one for the history rows, and none per row on the hot path.

-- ---- 1. the transition table, per statement -----------------------------------------------------
-- Same table, same error (SQLState check_violation, constraint job_state_transition, "illegal job
-- transition FROM -> TO for job ID"), raised before the statement returns, so the statement and its
-- transaction change nothing. The old and new versions of each changed row are compared by id; the
-- id never changes (trigger jobs_id_is_final), so every old row has its new one.
DROP TRIGGER jobs_transition_guard ON jobs;

CREATE OR REPLACE FUNCTION jobfleet_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    bad record;
BEGIN
    SELECT o.id, o.state AS from_state, n.state AS to_state INTO bad
    FROM old_jobs o JOIN new_jobs n ON n.id = o.id
    WHERE o.state <> n.state
      AND NOT EXISTS (SELECT 1 FROM job_state_transition t
                      WHERE t.from_state = o.state AND t.to_state = n.state)
    LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'illegal job transition % -> % for job %', bad.from_state, bad.to_state, bad.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'job_state_transition';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_transition_guard
    AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_check_transition();

CREATE FUNCTION jobfleet_id_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%.id never changes: refused for row %', TG_TABLE_NAME, OLD.id
        USING ERRCODE = 'insufficient_privilege';
END $$;

-- UPDATE OF: fires only for statements that name the column; none of jobfleet's does
CREATE TRIGGER jobs_id_is_final
    BEFORE UPDATE OF id ON jobs
    FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
    EXECUTE FUNCTION jobfleet_id_is_final();

-- ---- 2. version and effective priority: the trigger only where the statement did not ------------
-- Every update still moves version by exactly one and every insert still gets an effective priority
-- (its priority unless given). jobfleet's hot statements write both themselves, and the WHEN clause
-- (evaluated without calling PL/pgSQL) skips the function for them; any other writer gets it called.
DROP TRIGGER jobs_before_write ON jobs;

CREATE TRIGGER jobs_before_insert
    BEFORE INSERT ON jobs
    FOR EACH ROW WHEN (NEW.effective_priority IS NULL)
    EXECUTE FUNCTION jobfleet_before_write();

CREATE TRIGGER jobs_before_update
    BEFORE UPDATE ON jobs
    FOR EACH ROW WHEN (NEW.version IS DISTINCT FROM OLD.version + 1)
    EXECUTE FUNCTION jobfleet_before_write();

-- ---- 3. history rows belong to jobs: one check per statement, not a foreign-key probe per row ----
-- The foreign key checked each history row with a query of its own (and the hot statements write
-- two or three rows per job). The statement check does what the key did: every job a statement's
-- history rows name exists, locked FOR KEY SHARE until commit (so it cannot be deleted under them),
-- or the statement fails with foreign_key_violation. Deleting or truncating jobs takes their history
-- with them, as ON DELETE CASCADE did.
ALTER TABLE job_history DROP CONSTRAINT job_history_job_id_fkey;

CREATE FUNCTION jobfleet_history_of_jobs() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    ids uuid[];
    found bigint;
    missing uuid;
BEGIN
    -- an array, not a join with the transition table: the planner has no statistics for that and
    -- may scan all of jobs per statement; = ANY (array) probes the primary key
    SELECT array_agg(DISTINCT job_id) INTO ids FROM new_history;
    -- a job this transaction wrote (inserted, claimed, finished: every jobfleet statement that writes
    -- history writes its job too) is locked by that write already; only the others get the key lock
    SELECT count(*) INTO found FROM jobs j WHERE j.id = ANY (ids) AND j.xmin = pg_current_xact_id()::xid;
    SELECT found + count(*) INTO found FROM (
        SELECT 1 FROM jobs j WHERE j.id = ANY (ids) AND j.xmin <> pg_current_xact_id()::xid
        FOR KEY SHARE OF j) l;
    IF found <> coalesce(cardinality(ids), 0) THEN
        SELECT m INTO missing FROM unnest(ids) m WHERE NOT EXISTS (SELECT 1 FROM jobs j WHERE j.id = m) LIMIT 1;
        RAISE EXCEPTION 'job_history row names job %, which does not exist', missing
            USING ERRCODE = 'foreign_key_violation', CONSTRAINT = 'job_history_job_id_fkey';
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER job_history_of_jobs
    AFTER INSERT ON job_history
    REFERENCING NEW TABLE AS new_history
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_history_of_jobs();

-- Runs with its owner's rights, as the foreign key's cascade did: the apps may not delete history
-- rows themselves (append-only), but a job's deletion takes them. A TRUNCATE of jobs may name
-- job_history too, which it then holds open: the rows go by DELETE.
CREATE FUNCTION jobfleet_history_cascade() RETURNS trigger LANGUAGE plpgsql
    SECURITY DEFINER SET search_path FROM CURRENT AS $$
DECLARE
    ids uuid[];
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM job_history;
    ELSE
        -- an array for the index probe (see jobfleet_history_of_jobs)
        SELECT array_agg(id) INTO ids FROM deleted_jobs;
        DELETE FROM job_history WHERE job_id = ANY (ids);
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_history_cascade
    AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS deleted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_history_cascade();

CREATE TRIGGER jobs_history_truncated
    AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_history_cascade();

DO $$
BEGIN
    IF current_user <> 'jobfleet_owner' THEN
        ALTER FUNCTION jobfleet_check_transition() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_id_is_final() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_history_of_jobs() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_history_cascade() OWNER TO jobfleet_owner;
    END IF;
END $$;
