-- jobfleet schema, version 5: what the worker engine needs from the database.

ALTER TABLE jobs
    -- the job's own time limit for one run, over its handler type's; null = the type's
    ADD COLUMN timeout_ms integer CHECK (timeout_ms BETWEEN 1 AND 604800000),
    -- runs rescued from an expired lease since the job's last outcome. A job whose runs keep
    -- losing their worker (it crashes its JVM) goes DEAD after jobfleet.worker.max-rescues of them,
    -- instead of taking the fleet down one worker at a time. Reset by every written outcome.
    ADD COLUMN lost_runs integer NOT NULL DEFAULT 0 CHECK (lost_runs >= 0);

-- Records no worker can run (undecodable, unknown type, refused by the database), kept here the
-- moment the worker reads them, so their Kafka offsets can be committed and their partition goes
-- on even while the dead-letter topic cannot be written. The dead-letter relay publishes them to
-- jobfleet.jobs.dlt (key, value and headers as they came, plus the reason) and deletes them.
CREATE TABLE dead_letter (
    id               bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    source_topic     text        NOT NULL,
    source_partition integer     NOT NULL,
    source_offset    bigint      NOT NULL,
    -- bytes as they came: a poison record's key or value may hold anything, NUL included
    record_key       bytea,
    record_value     bytea,
    -- [{"k": base64 of the UTF-8 name, "v": base64 of the value or null}]
    headers          jsonb       NOT NULL DEFAULT '[]',
    reason           text        NOT NULL,
    detail           text        NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    -- a record read twice (redelivery) is kept once while it waits
    UNIQUE (source_topic, source_partition, source_offset)
);
