package dev.jobfleet.store;

import dev.jobfleet.model.JobCodec;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;
import tools.jackson.databind.node.ArrayNode;

/**
 * Concurrency limits (G4): a key with limit n never has more than n running jobs across the
 * fleet, from the moment {@link #set} returns. The claim enforces it (see {@link JobSql}); this
 * class sets and reads limits.
 *
 * <p>Setting a limit, in two transactions:
 *
 * <ol>
 *   <li>Close the key's gate row ({@code concurrency_key}) and commit. From here on a claim skips
 *       the key: one whose snapshot is newer sees the gate closed; one whose snapshot is older locks
 *       the gate's newest version (a locked row is read as committed last, not as the snapshot had
 *       it), finds another generation than its snapshot saw, and skips the key too.
 *   <li>Lock the gate FOR UPDATE. Claims lock it FOR SHARE SKIP LOCKED ({@link JobSql#GATE_LOCK}),
 *       so this waits for every claim that locked it before it closed: their jobs are RUNNING by
 *       now, or not at all. (Closing first matters: share lockers never queue behind a FOR UPDATE
 *       waiter, and a steady stream of claims would starve it.) Claims never wait for this lock:
 *       they skip the key while it is held.
 *   <li>Lock the key's RUNNING jobs FOR SHARE (none can leave RUNNING and free a slot meanwhile),
 *       and rebuild the slots: the running jobs take slots 1..r, free slots fill up to n. When r
 *       &gt; n, slots above n are held by the runs in excess; the claim takes no slot of the key
 *       while any slot above the limit is held, and a slot above the limit is dropped when freed.
 *   <li>Write the limit, open the gate with a new generation, commit.
 * </ol>
 *
 * So from the return of {@code set} on, a job of the key starts only when fewer than n run and
 * none of the runs in excess is left. Running jobs are never interrupted.
 */
public class ConcurrencyLimits {
    public static final int MAX_LIMIT = 10_000;

    /** How long a closed gate stays closed if the limit call that closed it never finishes. */
    static final Duration CLOSED_AT_MOST = Duration.ofSeconds(60);

    /** How long the limit call waits for the claims in flight and the running jobs' row locks. */
    static final Duration LOCK_TIMEOUT = Duration.ofSeconds(30);

    /** A limit as stored, with how many of its slots running jobs hold now. */
    public record Limit(String key, int maxRunning, long taken, Instant updatedAt) {
        /** Runs above the limit (it was set or lowered while they ran); no job of the key starts until 0. */
        public long excess() {
            return Math.max(0, taken - maxRunning);
        }
    }

    private static final RowMapper<Limit> LIMIT = (rs, n) -> new Limit(
            rs.getString("key"),
            rs.getInt("max_running"),
            rs.getLong("taken"),
            rs.getObject("updated_at", OffsetDateTime.class).toInstant());

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    public ConcurrencyLimits(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Set the limit of {@code key} to {@code maxRunning}, whether the key has running jobs or not.
     * Returns once the limit holds: the running jobs hold slots ({@link Limit#taken()}), and
     * {@link Limit#excess()} of them run above the limit.
     */
    public Limit set(String key, int maxRunning) {
        if (key == null || key.isBlank() || key.length() > 255) {
            throw new IllegalArgumentException("key must be 1 to 255 characters");
        }
        if (maxRunning < 1 || maxRunning > MAX_LIMIT) {
            throw new IllegalArgumentException("maxRunning must be between 1 and " + MAX_LIMIT);
        }
        jdbc.sql(LimitSql.CLOSE_GATE).params(key, seconds(CLOSED_AT_MOST)).update();
        reopenIfFailed(
                key,
                () -> transactions.executeWithoutResult(status -> {
                    lockGate(key);
                    List<Run> running = jdbc.sql(LimitSql.LOCK_RUNNING)
                            .param(key)
                            .query((rs, n) -> new Run(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                            .list();
                    jdbc.sql(LimitSql.UPSERT_LIMIT).params(key, maxRunning).update();
                    jdbc.sql(LimitSql.DELETE_SLOTS).param(key).update();
                    jdbc.sql(LimitSql.INSERT_SLOTS)
                            .params(key, Math.max(maxRunning, running.size()), json(running))
                            .update();
                    open(key, maxRunning);
                }));
        return find(key).orElseThrow();
    }

    public Optional<Limit> find(String key) {
        return jdbc.sql(LimitSql.FIND_LIMIT).param(key).query(LIMIT).optional();
    }

    /** Every limit, by key. */
    public List<Limit> list() {
        return jdbc.sql(LimitSql.LIST_LIMITS).query(LIMIT).list();
    }

    /**
     * Remove the limit: jobs of the key run unbounded from now on (running ones are not touched).
     * Returns whether there was one.
     */
    public boolean delete(String key) {
        if (jdbc.sql(LimitSql.CLOSE_LIMITED_GATE)
                        .params(seconds(CLOSED_AT_MOST), key)
                        .update()
                == 0) {
            return false;
        }
        boolean[] deleted = new boolean[1];
        reopenIfFailed(
                key,
                () -> transactions.executeWithoutResult(status -> {
                    lockGate(key);
                    deleted[0] = jdbc.sql(LimitSql.DELETE_LIMIT).param(key).update() == 1;
                    open(key, null);
                }));
        return deleted[0];
    }

    /** Running jobs of the key, counted from the jobs table. */
    public long running(String key) {
        return jdbc.sql(LimitSql.RUNNING_OF_KEY).param(key).query(Long.class).single();
    }

    private void lockGate(String key) {
        jdbc.sql("SET LOCAL lock_timeout = '" + LOCK_TIMEOUT.toMillis() + "ms'").update();
        jdbc.sql(LimitSql.LOCK_GATE).param(key).query(String.class).single();
    }

    private void open(String key, Integer maxRunning) {
        int opened = jdbc.sql(LimitSql.OPEN_GATE).params(maxRunning, key).update();
        if (opened != 1) {
            throw new IllegalStateException("the gate of concurrency key " + key + " vanished (" + opened + " rows)");
        }
    }

    /**
     * Runs the second transaction; if it fails, opens the gate again as it was (the limit and the
     * slots did not change), so the key does not wait {@link #CLOSED_AT_MOST} for nothing.
     */
    private void reopenIfFailed(String key, Runnable change) {
        try {
            change.run();
        } catch (RuntimeException e) {
            try {
                jdbc.sql(LimitSql.REOPEN_GATE).param(key).update();
            } catch (RuntimeException reopenFailure) {
                e.addSuppressed(reopenFailure);
            }
            throw e;
        }
    }

    private record Run(UUID id, UUID token) {}

    private static String json(List<Run> runs) {
        ArrayNode rows = JobCodec.mapper().createArrayNode();
        for (Run r : runs) {
            rows.addObject().put("id", r.id().toString()).put("token", r.token().toString());
        }
        return JobCodec.mapper().writeValueAsString(rows);
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }
}
