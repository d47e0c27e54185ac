package dev.jobfleet.store;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.JsonNode;

/**
 * Fan-in batches: a parent that finishes exactly once, when its last child reaches a terminal
 * state, and may then submit a callback job.
 */
public class Batches {
    public enum Policy {
        /** The batch succeeds once every child is terminal, whatever their outcome. */
        COMPLETE_ALWAYS,
        /** The batch fails if any child ended DEAD or CANCELLED. */
        FAIL_ON_ANY
    }

    /** A job to submit when the batch finishes. */
    public record Callback(String type, JsonNode payload) {
        public Callback {
            Objects.requireNonNull(type, "type");
        }
    }

    public record Batch(
            UUID id,
            int total,
            int remaining,
            int succeeded,
            int failed,
            Policy policy,
            String state,
            JsonNode callback,
            UUID callbackJobId,
            int completions,
            Instant createdAt,
            Instant finishedAt,
            String submittedBy) {}

    /** The batch and its children as created. */
    public record Created(Batch batch, List<Submission> children) {}

    private final JdbcClient jdbc;
    private final JobRepository jobs;
    private final TransactionTemplate transactions;

    public Batches(DataSource dataSource, JobRepository jobs) {
        this.jdbc = JdbcClient.create(dataSource);
        this.jobs = jobs;
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Create a batch and its children in one transaction: workers see all of them or none. A child
     * whose idempotency or unique key is taken is not part of the batch (its submission says
     * {@code created=false}).
     */
    public Created create(UUID batchId, Policy policy, Callback callback, List<JobEvent> children, String actor) {
        return create(batchId, policy, callback, children, actor, null);
    }

    /**
     * As {@link #create(UUID, Policy, Callback, List, String)}, the batch and its children recorded
     * as submitted by {@code submittedBy} (the callback job, made later by the database, by no one).
     */
    public Created create(
            UUID batchId, Policy policy, Callback callback, List<JobEvent> children, String actor, String submittedBy) {
        if (children.isEmpty()) {
            throw new IllegalArgumentException("a batch needs at least one child");
        }
        return transactions.execute(status -> {
            jdbc.sql(BatchSql.INSERT_BATCH)
                    .params(batchId, policy.name(), callback == null ? null : callbackJson(callback), submittedBy)
                    .update();
            List<Submission> submissions = new ArrayList<>(children.size());
            JobOptions options = JobOptions.NONE.withBatch(batchId).withSubmitter(submittedBy);
            for (JobEvent child : children) {
                submissions.add(jobs.submit(child, options, actor));
            }
            int created = (int) submissions.stream().filter(Submission::created).count();
            if (created == 0) {
                throw new IllegalArgumentException("every child of the batch already exists");
            }
            jdbc.sql(BatchSql.SET_SIZE).params(created, created, batchId).update();
            return new Created(find(batchId).orElseThrow(), submissions);
        });
    }

    public Optional<Batch> find(UUID id) {
        return jdbc.sql(BatchSql.FIND_BATCH)
                .param(id)
                .query((rs, n) -> new Batch(
                        rs.getObject("id", UUID.class),
                        rs.getInt("total"),
                        rs.getInt("remaining"),
                        rs.getInt("succeeded"),
                        rs.getInt("failed"),
                        Policy.valueOf(rs.getString("policy")),
                        rs.getString("state"),
                        JobRepository.json(rs, "callback"),
                        rs.getObject("callback_job_id", UUID.class),
                        rs.getInt("completions"),
                        JobRepository.instant(rs, "created_at"),
                        JobRepository.instant(rs, "finished_at"),
                        rs.getString("submitted_by")))
                .optional();
    }

    private static String callbackJson(Callback callback) {
        var node = JobCodec.mapper().createObjectNode();
        node.put("type", callback.type());
        node.set("payload", callback.payload() == null ? JobCodec.mapper().createObjectNode() : callback.payload());
        return JobCodec.mapper().writeValueAsString(node);
    }
}
