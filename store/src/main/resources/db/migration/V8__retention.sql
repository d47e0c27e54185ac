-- Retention (issue 8): finished jobs, finished batches and idle order-key sequences are deleted in
-- small batches by one worker at a time (RetentionChore, ShedLock). Finished jobs are found through
-- jobs_state_created (a job finished before the cutoff was created before it too); these two indexes
-- serve the other two deletes and stay small.

-- An order key's sequence row may go once no job of the key can still be claimed or re-driven. The
-- claimable states are in jobs_order; a DEAD job can be re-driven (it takes the key's next number),
-- so the DEAD jobs of a key are found here.
CREATE INDEX jobs_order_dead ON jobs (order_key) WHERE order_key IS NOT NULL AND state = 'DEAD';

-- finished batches, oldest first
CREATE INDEX job_batch_finished ON job_batch (finished_at) WHERE state <> 'RUNNING';
