package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobState;
import dev.jobfleet.store.Batches;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import java.util.Optional;
import java.util.UUID;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.DuplicateKeyException;

/**
 * Retries a DEAD job ({@link JobRepository#redrive}): back to PENDING with its attempts reset and
 * its errors kept, in one statement with its history and outbox rows. Besides "not DEAD" and
 * "busy", the database refuses two re-drives, and they are the caller's 409s, not our 500s: the
 * job's unique key is held by another job by now (the unique index), and the job's batch has
 * finished (the batch trigger).
 */
public class JobRedriver {
    private final JobRepository repository;
    private final Batches batches;

    public JobRedriver(JobRepository repository, Batches batches) {
        this.repository = repository;
        this.batches = batches;
    }

    /**
     * @return the job as it is after the re-drive
     * @throws ProblemException 404, or 409 when it is not DEAD, a worker holds the row, another job
     *     holds its unique key, or its batch has finished; nothing was changed
     */
    public JobRow retry(UUID id) {
        JobRepository.RedriveResult result;
        try {
            result = repository.redrive(id, JobAccess.actor());
        } catch (DataIntegrityViolationException e) {
            throw refused(id, e);
        }
        return switch (result) {
            case REDRIVEN -> repository.find(id).orElseThrow(() -> JobProblems.notFound(id));
            case NOT_FOUND -> throw JobProblems.notFound(id);
            case BUSY -> throw JobProblems.busy(id);
            case NOT_DEAD -> throw notDead(id);
        };
    }

    private ProblemException notDead(UUID id) {
        JobState state = repository.find(id).map(JobRow::state).orElseThrow(() -> JobProblems.notFound(id));
        if (state == JobState.DEAD) {
            // it died between the re-drive and this read: the re-drive found it in another state
            return JobProblems.busy(id);
        }
        return JobProblems.inState(Problem.JOB_NOT_DEAD, id, state, "only a DEAD job can be retried.");
    }

    /** The problem for a re-drive the database refused, or {@code e} itself when it is none of the known ones. */
    private RuntimeException refused(UUID id, DataIntegrityViolationException e) {
        Optional<JobRow> found = repository.find(id);
        if (found.isEmpty()) {
            return e;
        }
        JobRow job = found.get();
        Optional<Batches.Batch> batch = Optional.ofNullable(job.batchId()).flatMap(batches::find);
        if (batch.isPresent() && !"RUNNING".equals(batch.get().state())) {
            return new ProblemException(
                            Problem.BATCH_FINISHED,
                            "Job " + id + " belongs to batch " + job.batchId() + ", which has finished ("
                                    + batch.get().state() + "); its children cannot run again. Nothing was changed.",
                            new FieldError("id", "names a child of a finished batch"))
                    .with("batchId", job.batchId().toString())
                    .with("batchState", batch.get().state());
        }
        if (e instanceof DuplicateKeyException && job.uniqueKey() != null) {
            return new ProblemException(
                            Problem.UNIQUE_KEY_HELD,
                            "Another job holds unique key '" + job.uniqueKey() + "' of job " + id
                                    + " in one of its unique states; retry once it has finished. Nothing was changed.",
                            new FieldError("id", "names a job whose unique key another job holds"))
                    .with("uniqueKey", job.uniqueKey());
        }
        return e;
    }
}
