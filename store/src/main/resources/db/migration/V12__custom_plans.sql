-- jobfleet schema, version 12: V10's statement checks are planned on the table they find.
--
-- jobfleet_history_of_jobs (every insert of history rows) and jobfleet_history_cascade (every delete
-- of jobs) look up the statement's job ids in jobs and job_history with = ANY (ids). PL/pgSQL caches a
-- generic plan after five runs; made while jobs held a few pages (a new install, a fleet's first
-- seconds) that plan is a sequential scan, and it is kept until an analyze of the table invalidates
-- it. Until then every statement that writes history read all of jobs: 156-345 ms per statement at
-- 3,000-13,000 rows in a benchmark's first minute (auto_explain), a stall of the whole fleet that
-- ended when the first autovacuum analyzed jobs. A custom plan per run costs a planning per
-- statement (these are statement triggers: once per statement, not per row) and is made on the
-- table's current size: a primary-key probe. HistoryCheckPlanIT counts the scans.
ALTER FUNCTION jobfleet_history_of_jobs() SET plan_cache_mode = force_custom_plan;
ALTER FUNCTION jobfleet_history_cascade() SET plan_cache_mode = force_custom_plan;
