package dev.jobfleet.store;

import dev.jobfleet.model.JobState;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.SqlArrayValue;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Retention: what the job tables keep of finished work, bounded. Each call deletes one batch in
 * one short transaction, oldest first, and skips rows another transaction holds, so it can run
 * beside the fleet at any time and be repeated until it returns less than its limit:
 *
 * <ul>
 *   <li>{@link #purgeJobs}: jobs finished (SUCCEEDED, CANCELLED or DEAD) longer ago than an age,
 *       with their history, handler log, handler-lock rows and demo audit rows;
 *   <li>{@link #purgeBatches}: finished fan-in batches none of whose children are left;
 *   <li>{@link #purgeOrderKeys}: sequence rows of order keys that have no job left to order.
 *   <li>{@link #purgeGates}: concurrency-key gate rows of keys that no job needs any more.
 * </ul>
 *
 * The outbox and the dead-letter table are bounded by their relays (a row goes once published);
 * a job's errors array by its {@code max_attempts}.
 */
public class Retention {
    /** The finished states; only jobs in one of these are ever deleted. */
    public static final Set<JobState> FINISHED = Set.of(JobState.SUCCEEDED, JobState.CANCELLED, JobState.DEAD);

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    public Retention(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Deletes up to {@code limit} jobs in {@code state} that finished more than {@code age} ago
     * (database clock), oldest first, with everything that hangs off them.
     *
     * @return how many jobs were deleted
     * @throws IllegalArgumentException for a state that is not finished, a negative age or a limit below 1
     */
    public int purgeJobs(JobState state, Duration age, int limit) {
        Objects.requireNonNull(state, "state");
        if (!FINISHED.contains(state)) {
            throw new IllegalArgumentException("only finished jobs are deleted, not " + state);
        }
        double seconds = seconds(age);
        requireLimit(limit);
        return jdbc.sql(RetentionSql.PURGE_JOBS)
                .params(state.name(), seconds, seconds, limit)
                .query(Integer.class)
                .single();
    }

    /**
     * Deletes up to {@code limit} fan-in batches that finished more than {@code age} ago and have
     * no child left.
     *
     * @return how many batches were deleted
     */
    public int purgeBatches(Duration age, int limit) {
        double seconds = seconds(age);
        requireLimit(limit);
        return jdbc.sql(RetentionSql.PURGE_BATCHES).params(seconds, limit).update();
    }

    /**
     * Deletes up to {@code limit} order-key sequence rows whose key has no job that is waiting,
     * running, retrying or DEAD. The next submission of such a key starts it at 1 again.
     *
     * @return how many rows were deleted
     */
    public int purgeOrderKeys(int limit) {
        return lockThenDelete(RetentionSql.LOCK_IDLE_ORDER_KEYS, RetentionSql.DELETE_IDLE_ORDER_KEYS, limit);
    }

    /**
     * Deletes up to {@code limit} concurrency-key gate rows whose key is idle: no limit, not closed,
     * no slot, no job of the key pending, running, retrying or DEAD. The next job of such a key
     * creates its gate again (V11 explains the lock that keeps a submission and this apart).
     *
     * @return how many rows were deleted
     */
    public int purgeGates(int limit) {
        return lockThenDelete(RetentionSql.LOCK_IDLE_GATES, RetentionSql.DELETE_IDLE_GATES, limit);
    }

    /**
     * In one transaction: {@code lock} takes up to {@code limit} key rows (and returns their keys),
     * then {@code delete}, on a snapshot taken after those locks, deletes the ones still idle.
     */
    private int lockThenDelete(String lock, String delete, int limit) {
        requireLimit(limit);
        Integer deleted = transactions.execute(status -> {
            List<String> keys = jdbc.sql(lock).param(limit).query(String.class).list();
            if (keys.isEmpty()) {
                return 0;
            }
            return jdbc.sql(delete)
                    .param(new SqlArrayValue("text", keys.toArray()))
                    .update();
        });
        return deleted == null ? 0 : deleted;
    }

    private static double seconds(Duration age) {
        Objects.requireNonNull(age, "age");
        if (age.isNegative()) {
            throw new IllegalArgumentException("age must not be negative: " + age);
        }
        return age.toNanos() / 1e9;
    }

    private static void requireLimit(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1: " + limit);
        }
    }
}
