package dev.jobfleet.store;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Handler locks: a named, fenced lock that a running job takes for a critical section of its
 * handler, what hand-rolled systems do with a Redis lock. The database decides who holds it:
 *
 * <ol>
 *   <li>Acquire is one short transaction: the name's row is made to exist and locked, then one
 *       statement ({@link HandlerLockSql#ACQUIRE}), on a snapshot taken under that row lock, takes
 *       it over when it was released, has expired or its holder's run has ended, and only if the
 *       acquiring run still holds its job (RUNNING under its claim token). A run that lost its job
 *       (rescued after its lease expired) can neither take a lock nor keep one.
 *   <li>The holder is the run (job id and claim token); each acquisition gets a fence, a number
 *       larger than that of every earlier acquisition of the name, which a protected resource can
 *       record to refuse a late holder. Threads of one run exclude each other too (not re-entrant).
 *   <li>Expiry is the database clock's {@code now()} plus the ttl: a holder that stalls past it
 *       loses the lock to the next acquirer.
 *   <li>Release marks the acquisition's row released (by its fence) and reports whether the run
 *       held the lock, unexpired, while still holding its job, to the end of its work.
 * </ol>
 *
 * Waiting and retrying on contention is the caller's (the worker's {@code JobContext.withLock}).
 */
public class HandlerLocks {
    public static final int MAX_NAME_LENGTH = 255;

    /** An acquisition: which lock, its fence, and until when it holds without release. */
    public record Held(String name, long fence, UUID jobId, UUID claimToken, Instant expiresAt) {}

    /** What one attempt found. */
    public sealed interface Attempt {
        /** The run holds the lock now. */
        record Acquired(Held lock) implements Attempt {}

        /** Another run holds it, unexpired, and still holds its job. */
        record Busy() implements Attempt {}

        /** The run does not hold its job any more (nothing was taken). */
        record RunLost() implements Attempt {}
    }

    /**
     * What a release found.
     *
     * @param released the lock row was still this acquisition's (nobody took it over)
     * @param inTime it had not expired
     * @param runHeld the run still held its job
     */
    public record Release(boolean released, boolean inTime, boolean runHeld) {
        /** The lock protected the work from acquisition to release. */
        public boolean heldThroughout() {
            return released && inTime && runHeld;
        }
    }

    /** A lock row as stored (the last acquisition of the name), for operators and tests. */
    public record Row(
            String name,
            UUID jobId,
            UUID claimToken,
            long fence,
            Instant acquiredAt,
            Instant expiresAt,
            Instant releasedAt) {}

    private final JdbcClient jdbc;
    private final org.springframework.transaction.support.TransactionTemplate transactions;

    public HandlerLocks(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new org.springframework.transaction.support.TransactionTemplate(
                new org.springframework.jdbc.datasource.DataSourceTransactionManager(dataSource));
    }

    /** One attempt to take lock {@code name} for the run of {@code jobId} under {@code token}, for {@code ttl}. */
    public Attempt tryAcquire(UUID jobId, UUID token, String name, Duration ttl) {
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(token, "token");
        checkName(name);
        if (ttl == null || ttl.toMillis() < 1) {
            throw new IllegalArgumentException("a lock's ttl must be at least 1 ms: " + ttl);
        }
        return transactions.execute(tx -> {
            jdbc.sql(HandlerLockSql.ENSURE_ROW).params(name, jobId, token).update();
            jdbc.sql(HandlerLockSql.LOCK_ROW).param(name).query(Long.class).optional();
            return acquire(jobId, token, name, ttl);
        });
    }

    private Attempt acquire(UUID jobId, UUID token, String name, Duration ttl) {
        return jdbc.sql(HandlerLockSql.ACQUIRE)
                .params(jobId, token, name, ttl.toMillis() / 1000.0)
                .query((rs, n) -> {
                    if (!rs.getBoolean("running")) {
                        return (Attempt) new Attempt.RunLost();
                    }
                    long fence = rs.getLong("fence");
                    if (rs.wasNull()) {
                        return new Attempt.Busy();
                    }
                    return new Attempt.Acquired(
                            new Held(name, fence, jobId, token, JobRepository.instant(rs, "expires_at")));
                })
                .single();
    }

    /** Release an acquisition; frees the lock if the row is still this acquisition's. */
    public Release release(Held lock) {
        return jdbc.sql(HandlerLockSql.RELEASE)
                .params(lock.name(), lock.fence(), lock.jobId(), lock.claimToken())
                .query((rs, n) ->
                        new Release(rs.getBoolean("released"), rs.getBoolean("in_time"), rs.getBoolean("running")))
                .single();
    }

    public Optional<Row> find(String name) {
        return jdbc.sql(HandlerLockSql.FIND)
                .param(name)
                .query((rs, n) -> new Row(
                        rs.getString("name"),
                        rs.getObject("job_id", UUID.class),
                        rs.getObject("claim_token", UUID.class),
                        rs.getLong("fence"),
                        JobRepository.instant(rs, "acquired_at"),
                        JobRepository.instant(rs, "expires_at"),
                        JobRepository.instant(rs, "released_at")))
                .optional();
    }

    static void checkName(String name) {
        if (name == null || name.isBlank() || name.length() > MAX_NAME_LENGTH) {
            throw new IllegalArgumentException("a lock name is 1 to " + MAX_NAME_LENGTH + " characters: " + name);
        }
    }
}
