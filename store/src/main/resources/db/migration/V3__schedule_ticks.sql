-- Recurring schedules keep their next tick in the row. Whoever sees it due enqueues the job with
-- idempotency key schedule:<name>:<tick> (so the tick makes one job however many instances race)
-- and moves next_tick to the first tick after now (so downtime catches up one tick, not all).
ALTER TABLE job_schedule
    ADD COLUMN zone      text        NOT NULL DEFAULT 'UTC',
    ADD COLUMN next_tick timestamptz,
    ADD COLUMN last_job_id uuid;

CREATE INDEX job_schedule_due ON job_schedule (next_tick) WHERE enabled;
