-- jobfleet schema, version 2: the operations hand-rolled job tables get wrong under concurrency.
-- Each guard lives in the database: a locked slot row, a partial unique index, a counter updated
-- in the statement or trigger that makes the transition.

ALTER TABLE jobs
    -- optimistic concurrency for people: every update bumps it (trigger below); PATCH names it
    ADD COLUMN version            bigint   NOT NULL DEFAULT 0,
    -- handler counters (progress and others), merged with x = x + n in one statement
    ADD COLUMN counters           jsonb    NOT NULL DEFAULT '{}',
    -- unique jobs: at most one job per unique_key among jobs whose state is in unique_states
    ADD COLUMN unique_key         text     CHECK (length(unique_key) BETWEEN 1 AND 255),
    ADD COLUMN unique_states      job_state[],
    -- fan-in: the batch this job belongs to
    ADD COLUMN batch_id           uuid,
    -- per-key ordering: jobs with one order_key run one at a time in order_seq order
    ADD COLUMN order_key          text     CHECK (length(order_key) BETWEEN 1 AND 255),
    ADD COLUMN order_seq          bigint,
    -- the claim orders by this; it starts at priority and the aging chore lowers it (0 = first)
    ADD COLUMN effective_priority smallint CHECK (effective_priority BETWEEN 0 AND 9),
    ADD CONSTRAINT unique_key_has_states CHECK ((unique_key IS NULL) = (unique_states IS NULL)),
    ADD CONSTRAINT order_key_has_seq CHECK ((order_key IS NULL) = (order_seq IS NULL));

UPDATE jobs SET effective_priority = priority;
ALTER TABLE jobs ALTER COLUMN effective_priority SET NOT NULL;

CREATE FUNCTION jobfleet_before_write() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        NEW.effective_priority := coalesce(NEW.effective_priority, NEW.priority);
    ELSE
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER jobs_before_write
    BEFORE INSERT OR UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION jobfleet_before_write();

DROP INDEX jobs_claimable;
CREATE INDEX jobs_claimable ON jobs (effective_priority, run_at, id) WHERE state = 'PENDING';
CREATE INDEX jobs_aging ON jobs (run_at) WHERE state = 'PENDING' AND effective_priority > 0;
CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key)
    WHERE unique_key IS NOT NULL AND state = ANY (unique_states);
CREATE INDEX jobs_order ON jobs (order_key, order_seq)
    WHERE order_key IS NOT NULL AND state IN ('PENDING', 'RUNNING', 'RETRY_SCHEDULED');
CREATE INDEX jobs_batch ON jobs (batch_id) WHERE batch_id IS NOT NULL;

-- ---- concurrency limits: one row per slot; a running job holds one under its claim token ----

CREATE TABLE concurrency_limit (
    key         text        PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 255),
    max_running integer     NOT NULL CHECK (max_running BETWEEN 1 AND 10000),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE concurrency_slot (
    key         text        NOT NULL REFERENCES concurrency_limit (key) ON DELETE CASCADE,
    slot        integer     NOT NULL CHECK (slot >= 1),
    job_id      uuid        UNIQUE,
    claim_token uuid,
    taken_at    timestamptz,
    PRIMARY KEY (key, slot),
    CONSTRAINT slot_held_under_a_token CHECK ((job_id IS NULL) = (claim_token IS NULL))
);

-- Leaving RUNNING frees the slot held under that run's token, whatever statement moved the job
-- (finish, rescue, release): the token makes a second release change nothing.
CREATE FUNCTION jobfleet_free_slot() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE concurrency_slot SET job_id = NULL, claim_token = NULL, taken_at = NULL
    WHERE job_id = OLD.id AND claim_token = OLD.claim_token;
    -- a slot above a lowered limit goes once it is free
    DELETE FROM concurrency_slot s USING concurrency_limit l
    WHERE s.key = OLD.concurrency_key AND l.key = s.key AND s.slot > l.max_running AND s.job_id IS NULL;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_free_slot
    AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (OLD.state = 'RUNNING' AND NEW.state <> 'RUNNING' AND OLD.concurrency_key IS NOT NULL)
    EXECUTE FUNCTION jobfleet_free_slot();

-- ---- per-key ordering: submissions of one key serialize on its row, so seq order = commit order ----

CREATE TABLE order_key_sequence (
    key      text   PRIMARY KEY,
    last_seq bigint NOT NULL
);

-- ---- fan-in batches ----

CREATE TABLE job_batch (
    id              uuid        PRIMARY KEY,
    total           integer     NOT NULL CHECK (total >= 1),
    remaining       integer     NOT NULL CHECK (remaining >= 0),
    succeeded       integer     NOT NULL DEFAULT 0,
    failed          integer     NOT NULL DEFAULT 0,
    -- COMPLETE_ALWAYS: the batch succeeds when every child is terminal;
    -- FAIL_ON_ANY: it fails if any child ended DEAD or CANCELLED
    policy          text        NOT NULL CHECK (policy IN ('COMPLETE_ALWAYS', 'FAIL_ON_ANY')),
    state           text        NOT NULL DEFAULT 'RUNNING' CHECK (state IN ('RUNNING', 'SUCCEEDED', 'FAILED')),
    -- {type, payload}: a job submitted once, when the last child finishes
    callback        jsonb,
    callback_job_id uuid,
    completions     integer     NOT NULL DEFAULT 0 CHECK (completions <= 1),
    created_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    CHECK ((state = 'RUNNING') = (finished_at IS NULL))
);

ALTER TABLE jobs ADD CONSTRAINT jobs_batch_fk FOREIGN KEY (batch_id) REFERENCES job_batch (id);

-- A child reaching a terminal state counts down its batch in the same transaction; the
-- transition happens once (guarded by state and token), so the count-down does too, and the row
-- lock on the batch serializes children finishing at the same instant.
CREATE FUNCTION jobfleet_batch_countdown() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    b job_batch;
    callback_id uuid;
BEGIN
    IF NEW.state = 'PENDING' THEN
        -- a DEAD child re-driven: it counts again, unless its batch already finished
        UPDATE job_batch SET remaining = remaining + 1, failed = failed - 1
        WHERE id = NEW.batch_id AND state = 'RUNNING';
        IF NOT FOUND THEN
            RAISE EXCEPTION 'job % belongs to batch %, which has finished: it cannot be re-driven', NEW.id, NEW.batch_id
                USING ERRCODE = 'check_violation';
        END IF;
        RETURN NULL;
    END IF;
    UPDATE job_batch
    SET remaining = remaining - 1,
        succeeded = succeeded + (NEW.state = 'SUCCEEDED')::int,
        failed = failed + (NEW.state <> 'SUCCEEDED')::int
    WHERE id = NEW.batch_id
    RETURNING * INTO b;
    IF b.remaining = 0 THEN
        IF b.callback IS NOT NULL THEN
            callback_id := gen_random_uuid();
            INSERT INTO jobs (id, type, payload, metadata)
            VALUES (callback_id, b.callback ->> 'type', coalesce(b.callback -> 'payload', '{}'),
                    jsonb_build_object('batchId', b.id, 'batchSucceeded', b.succeeded, 'batchFailed', b.failed));
            INSERT INTO job_history (job_id, from_state, to_state, actor, detail)
            VALUES (callback_id, NULL, 'PENDING', 'batch', 'callback of batch ' || b.id);
            INSERT INTO outbox (job_id, topic, event)
            VALUES (callback_id, 'jobfleet.jobs', jsonb_build_object(
                'id', callback_id, 'type', b.callback ->> 'type', 'payload', coalesce(b.callback -> 'payload', '{}')));
        END IF;
        UPDATE job_batch
        SET state = CASE WHEN policy = 'FAIL_ON_ANY' AND failed > 0 THEN 'FAILED' ELSE 'SUCCEEDED' END,
            finished_at = now(), callback_job_id = callback_id, completions = completions + 1
        WHERE id = b.id;
    END IF;
    RETURN NULL;
END $$;

CREATE TRIGGER jobs_batch_countdown
    AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (NEW.batch_id IS NOT NULL AND (
        (OLD.state NOT IN ('SUCCEEDED', 'DEAD', 'CANCELLED') AND NEW.state IN ('SUCCEEDED', 'DEAD', 'CANCELLED'))
        OR (OLD.state = 'DEAD' AND NEW.state = 'PENDING')))
    EXECUTE FUNCTION jobfleet_batch_countdown();

-- ---- handler log: insert-only, written under the run's token ----

CREATE TABLE job_log (
    id          bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id      uuid        NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    claim_token uuid        NOT NULL,
    attempt     integer     NOT NULL,
    at          timestamptz NOT NULL DEFAULT clock_timestamp(),
    entry       jsonb       NOT NULL
);

CREATE INDEX job_log_job ON job_log (job_id, id);

CREATE TRIGGER job_log_append_only
    BEFORE UPDATE OR DELETE ON job_log
    FOR EACH ROW EXECUTE FUNCTION jobfleet_history_append_only();

-- ---- recurring schedules: one job per tick, by the unique idempotency key schedule:name:tick ----

CREATE TABLE job_schedule (
    name        text        PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$'),
    cron        text        NOT NULL,
    type        text        NOT NULL,
    payload     jsonb       NOT NULL DEFAULT '{}',
    priority    smallint    NOT NULL DEFAULT 0 CHECK (priority BETWEEN 0 AND 9),
    enabled     boolean     NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- the append-only guard now covers job_log too: name the table in the message
CREATE OR REPLACE FUNCTION jobfleet_history_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% is append-only: update refused for row %', TG_TABLE_NAME, OLD.id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    -- deletes come only with their job (retention of finished jobs cascades here)
    IF EXISTS (SELECT 1 FROM jobs WHERE id = OLD.job_id) THEN
        RAISE EXCEPTION '% is append-only: delete refused for row % of live job %', TG_TABLE_NAME, OLD.id, OLD.job_id
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END $$;
