-- Queue depth without counting jobs (issue 8). The gauges and /fleet read jobs per state and type;
-- a GROUP BY over jobs per scrape grows with the table. Instead every statement that inserts,
-- updates or deletes jobs writes its net change per (state, type) in the same transaction, from
-- statement triggers over its transition tables: one small insert per statement, not per row, and
-- only appends, so concurrent writers never wait on a counter row. Those deltas are folded into
-- job_count by whoever refreshes the gauges (JobRepository.foldJobCounts: DELETE ... RETURNING, so a
-- delta is folded once however many fold at once). Counts are exact at every snapshot:
-- job_count plus the unfolded deltas.

CREATE TABLE job_count (
    state job_state NOT NULL,
    type  text      NOT NULL,
    n     bigint    NOT NULL,
    PRIMARY KEY (state, type)
);

CREATE TABLE job_count_delta (
    id    bigint    GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    state job_state NOT NULL,
    type  text      NOT NULL,
    n     bigint    NOT NULL
);

ALTER TABLE job_count_delta SET (
    autovacuum_vacuum_scale_factor = 0.0,
    autovacuum_vacuum_threshold = 5000,
    autovacuum_vacuum_cost_delay = 0);

CREATE FUNCTION jobfleet_count_inserted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_count_delta (state, type, n)
    SELECT state, type, count(*) FROM inserted_jobs GROUP BY state, type;
    RETURN NULL;
END $$;

-- old and new hold the same rows, so new minus old per (state, type) is the statement's change;
-- a statement that changes no state (heartbeats, metadata) writes nothing
CREATE FUNCTION jobfleet_count_updated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_count_delta (state, type, n)
    SELECT state, type, sum(n) FROM (
        SELECT state, type, 1 AS n FROM new_jobs
        UNION ALL
        SELECT state, type, -1 FROM old_jobs) d
    GROUP BY state, type
    HAVING sum(n) <> 0;
    RETURN NULL;
END $$;

CREATE FUNCTION jobfleet_count_deleted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO job_count_delta (state, type, n)
    SELECT state, type, -count(*) FROM deleted_jobs GROUP BY state, type;
    RETURN NULL;
END $$;

CREATE FUNCTION jobfleet_count_truncated() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM job_count;
    DELETE FROM job_count_delta;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_count_inserted AFTER INSERT ON jobs
    REFERENCING NEW TABLE AS inserted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_count_inserted();
CREATE TRIGGER jobs_count_updated AFTER UPDATE ON jobs
    REFERENCING OLD TABLE AS old_jobs NEW TABLE AS new_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_count_updated();
CREATE TRIGGER jobs_count_deleted AFTER DELETE ON jobs
    REFERENCING OLD TABLE AS deleted_jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_count_deleted();
CREATE TRIGGER jobs_count_truncated AFTER TRUNCATE ON jobs
    FOR EACH STATEMENT EXECUTE FUNCTION jobfleet_count_truncated();

-- the triggers hold jobs' lock from here on: no write slips between them and the seed
INSERT INTO job_count (state, type, n) SELECT state, type, count(*) FROM jobs GROUP BY state, type;

-- the apps write the deltas (the triggers run as the writer) and fold them; like every object, the
-- tables and functions belong to jobfleet_owner, also where a superuser applies the migrations
GRANT SELECT, INSERT, UPDATE, DELETE ON job_count, job_count_delta TO jobfleet_app;
GRANT USAGE, SELECT ON SEQUENCE job_count_delta_id_seq TO jobfleet_app;
DO $$
BEGIN
    IF current_user <> 'jobfleet_owner' THEN
        ALTER TABLE job_count OWNER TO jobfleet_owner;
        ALTER TABLE job_count_delta OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_count_inserted() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_count_updated() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_count_deleted() OWNER TO jobfleet_owner;
        ALTER FUNCTION jobfleet_count_truncated() OWNER TO jobfleet_owner;
    END IF;
END $$;
