-- jobfleet schema, version 1: jobs, their history, the outbox, ShedLock, the demo audit.
-- The state table is the same as dev.jobfleet.model.JobState (a test compares them); a trigger
-- refuses any state change that is not one of its edges, whoever writes it.

CREATE TYPE job_state AS ENUM ('PENDING', 'RUNNING', 'SUCCEEDED', 'RETRY_SCHEDULED', 'DEAD', 'CANCELLED');

CREATE TABLE job_state_transition (
    from_state job_state NOT NULL,
    to_state   job_state NOT NULL,
    PRIMARY KEY (from_state, to_state)
);

INSERT INTO job_state_transition (from_state, to_state) VALUES
    ('PENDING', 'RUNNING'),
    ('PENDING', 'CANCELLED'),
    ('RUNNING', 'SUCCEEDED'),
    ('RUNNING', 'RETRY_SCHEDULED'),
    ('RUNNING', 'DEAD'),
    ('RUNNING', 'PENDING'),
    ('RUNNING', 'CANCELLED'),
    ('RETRY_SCHEDULED', 'PENDING'),
    ('RETRY_SCHEDULED', 'CANCELLED'),
    ('DEAD', 'PENDING');

CREATE TABLE jobs (
    id               uuid        PRIMARY KEY,
    type             text        NOT NULL CHECK (type ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    payload          jsonb       NOT NULL DEFAULT '{}',
    state            job_state   NOT NULL DEFAULT 'PENDING',
    -- 0 is claimed first, 9 last
    priority         smallint    NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 9),
    run_at           timestamptz NOT NULL DEFAULT now(),
    attempts         integer     NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts     integer     NOT NULL DEFAULT 20 CHECK (max_attempts BETWEEN 1 AND 1000),
    idempotency_key  text        UNIQUE CHECK (length(idempotency_key) BETWEEN 1 AND 255),
    concurrency_key  text        CHECK (length(concurrency_key) BETWEEN 1 AND 255),
    -- fencing token: a fresh value per claim; every write of a run names it
    claim_token      uuid,
    lease_owner      text,
    lease_expires_at timestamptz,
    metadata         jsonb       NOT NULL DEFAULT '{}',
    last_error       text,
    -- one object per failed attempt: attempt, at, class, message, stack
    errors           jsonb       NOT NULL DEFAULT '[]',
    -- how often the reaper took it back from a worker whose lease expired
    rescue_count     integer     NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    started_at       timestamptz,
    finished_at      timestamptz,
    CONSTRAINT running_has_claim_and_lease
        CHECK (state <> 'RUNNING' OR (claim_token IS NOT NULL AND lease_owner IS NOT NULL AND lease_expires_at IS NOT NULL)),
    CONSTRAINT lease_only_while_running
        CHECK (state = 'RUNNING' OR (lease_owner IS NULL AND lease_expires_at IS NULL)),
    CONSTRAINT finished_iff_terminal
        CHECK ((state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')) = (finished_at IS NOT NULL))
);

-- the claim: due pending jobs in priority order
CREATE INDEX jobs_claimable ON jobs (priority, run_at, id) WHERE state = 'PENDING';
-- retries coming due
CREATE INDEX jobs_retry_due ON jobs (run_at) WHERE state = 'RETRY_SCHEDULED';
-- the reaper: expired leases
CREATE INDEX jobs_lease_expiry ON jobs (lease_expires_at) WHERE state = 'RUNNING';
-- listing and queue depth
CREATE INDEX jobs_state_created ON jobs (state, created_at DESC);
CREATE INDEX jobs_type_created ON jobs (type, created_at DESC);
CREATE INDEX jobs_concurrency_key ON jobs (concurrency_key) WHERE concurrency_key IS NOT NULL AND state = 'RUNNING';

CREATE FUNCTION jobfleet_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NOT EXISTS (SELECT 1 FROM job_state_transition t
                   WHERE t.from_state = OLD.state AND t.to_state = NEW.state) THEN
        RAISE EXCEPTION 'illegal job transition % -> % for job %', OLD.state, NEW.state, OLD.id
            USING ERRCODE = 'check_violation', CONSTRAINT = 'job_state_transition';
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_transition_guard
    BEFORE UPDATE OF state ON jobs
    FOR EACH ROW WHEN (OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION jobfleet_check_transition();

-- append-only: one row per transition, written by the same statement as the transition
CREATE TABLE job_history (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    from_state  job_state,
    to_state    job_state   NOT NULL,
    at          timestamptz NOT NULL DEFAULT now(),
    actor       text        NOT NULL,
    claim_token uuid,
    attempt     integer,
    detail      text
);

CREATE INDEX job_history_job ON job_history (job_id, id);

CREATE FUNCTION jobfleet_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION 'job_history is append-only: update refused for row %', OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- deletes come only with their job (retention of finished jobs cascades here)
    IF EXISTS (SELECT 1 FROM jobs WHERE id = OLD.job_id) THEN
        RAISE EXCEPTION 'job_history is append-only: delete refused for row % of live job %', OLD.id, OLD.job_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END $$;

CREATE TRIGGER job_history_append_only
    BEFORE UPDATE OR DELETE ON job_history
    FOR EACH ROW EXECUTE FUNCTION jobfleet_history_append_only();

-- transactional outbox: written with the job, deleted by the relay once Kafka acknowledged it
CREATE TABLE outbox (
    id         bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id     uuid        NOT NULL,
    topic      text        NOT NULL,
    event      jsonb       NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE shedlock (
    name       varchar(64)  PRIMARY KEY,
    lock_until timestamp    NOT NULL,
    locked_at  timestamp    NOT NULL,
    locked_by  varchar(255) NOT NULL
);

-- the demo handlers write one row per execution, so double execution is one query away
CREATE TABLE demo_execution (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid        NOT NULL,
    worker_id   text        NOT NULL,
    claim_token uuid        NOT NULL,
    attempt     integer     NOT NULL,
    started_at  timestamptz NOT NULL,
    finished_at timestamptz
);

CREATE INDEX demo_execution_job ON demo_execution (job_id);
