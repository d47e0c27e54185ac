package dev.jobfleet.store;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.Optional;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Concurrency limits (G4): a key with limit n never has more than n running jobs across the
 * fleet. The claim enforces it (see {@link JobSql}); this class sets and reads limits.
 */
public class ConcurrencyLimits {
    public static final int MAX_LIMIT = 10_000;

    /** A limit as stored, with how many of its slots are taken now. */
    public record Limit(String key, int maxRunning, long taken, Instant updatedAt) {}

    private final JdbcClient jdbc;
    private final TransactionTemplate transactions;

    public ConcurrencyLimits(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactions = new TransactionTemplate(new DataSourceTransactionManager(dataSource));
    }

    /**
     * Set the limit of {@code key} to {@code maxRunning}. Raising it adds free slots at once;
     * lowering it removes free slots at once and taken ones as their runs end; running jobs are
     * never interrupted, and the key takes no new claim until its running jobs are below the new
     * limit.
     */
    public Limit set(String key, int maxRunning) {
        if (key == null || key.isBlank() || key.length() > 255) {
            throw new IllegalArgumentException("key must be 1 to 255 characters");
        }
        if (maxRunning < 1 || maxRunning > MAX_LIMIT) {
            throw new IllegalArgumentException("maxRunning must be between 1 and " + MAX_LIMIT);
        }
        transactions.executeWithoutResult(status -> {
            jdbc.sql(LimitSql.UPSERT_LIMIT).params(key, maxRunning).update();
            jdbc.sql(LimitSql.ADD_SLOTS).params(key, maxRunning).update();
            jdbc.sql(LimitSql.DROP_FREE_SLOTS_ABOVE).params(key, maxRunning).update();
        });
        return find(key).orElseThrow();
    }

    public Optional<Limit> find(String key) {
        return jdbc.sql(LimitSql.FIND_LIMIT)
                .param(key)
                .query((rs, n) -> new Limit(
                        rs.getString("key"),
                        rs.getInt("max_running"),
                        rs.getLong("taken"),
                        rs.getObject("updated_at", OffsetDateTime.class).toInstant()))
                .optional();
    }

    /** Remove the limit: jobs of the key run unbounded from now on. Returns whether there was one. */
    public boolean delete(String key) {
        return jdbc.sql(LimitSql.DELETE_LIMIT).param(key).update() == 1;
    }

    /** Running jobs of the key, counted from the jobs table. */
    public long running(String key) {
        return jdbc.sql(LimitSql.RUNNING_OF_KEY).param(key).query(Long.class).single();
    }
}
