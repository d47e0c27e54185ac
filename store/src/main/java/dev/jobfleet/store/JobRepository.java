package dev.jobfleet.store;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.support.SqlArrayValue;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Runs the statements of {@link JobSql} and reports what they did. Every transition is one
 * statement; methods that move jobs return the ids that moved, and a caller that expected more
 * learns that another pod won the race, not that something failed.
 */
public class JobRepository {
    private static final JsonMapper JSON = JobCodec.mapper();
    /** Rounds of insert-then-read-the-holder a submission makes while holders keep letting its key go. */
    private static final int MAX_SUBMIT_ROUNDS = 10;

    /**
     * The default budget of a job's metadata after a merge, in bytes of PostgreSQL's text form: the
     * producer's default {@code max-payload-bytes}.
     */
    public static final int DEFAULT_MAX_METADATA_BYTES = 262_144;

    private final JdbcClient jdbc;
    private final DataSourceTransactionManager transactionManager;
    private final HandlerLocks handlerLocks;
    private final int maxMetadataBytes;

    public JobRepository(DataSource dataSource) {
        this(dataSource, DEFAULT_MAX_METADATA_BYTES);
    }

    /** @param maxMetadataBytes how large merges (by handlers and PATCH) may make a job's metadata */
    public JobRepository(DataSource dataSource, int maxMetadataBytes) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactionManager = new DataSourceTransactionManager(dataSource);
        this.maxMetadataBytes = maxMetadataBytes;
        this.handlerLocks = new HandlerLocks(dataSource);
    }

    /**
     * The handler locks on this repository's database, for the runs of the jobs it claims (they
     * reach them through the repository they were claimed with).
     */
    public HandlerLocks handlerLocks() {
        return handlerLocks;
    }

    // ---- submission ------------------------------------------------------------------------

    /**
     * Insert the job, its history row and its outbox row in one statement; with a taken
     * idempotency key, return the job that holds it instead.
     */
    public Submission submit(JobEvent event, String actor) {
        return submit(event, JobOptions.NONE, actor);
    }

    /**
     * Insert the job with its options, its history row and its outbox row in one statement. A
     * taken idempotency key, or a unique key held by a job in one of its unique states, inserts
     * nothing and returns the job that holds it ({@link Submission#created()} false).
     */
    public Submission submit(JobEvent event, JobOptions options, String actor) {
        JobEvent e = event.withDefaults();
        for (int attempt = 1; ; attempt++) {
            Optional<JobRow> inserted = jdbc.sql(JobSql.INSERT_JOB)
                    .params(
                            options.orderKey(),
                            options.orderKey(),
                            e.id(),
                            e.type(),
                            JSON.writeValueAsString(e.payload()),
                            e.priority(),
                            e.runAt() == null ? null : OffsetDateTime.ofInstant(e.runAt(), ZoneOffset.UTC),
                            e.maxAttempts(),
                            e.idempotencyKey(),
                            e.concurrencyKey(),
                            options.uniqueKey(),
                            options.uniqueStatesLiteral(),
                            options.orderKey(),
                            options.batchId(),
                            options.metadata() == null ? "{}" : JSON.writeValueAsString(options.metadata()),
                            e.timeoutMs(),
                            options.submittedBy(),
                            actor,
                            Topics.JOBS,
                            JobCodec.encodeToString(e.publishable()))
                    .query(JOB)
                    .optional();
            if (inserted.isPresent()) {
                return new Submission(inserted.get(), true);
            }
            Optional<JobRow> holder = e.idempotencyKey() == null
                    ? Optional.empty()
                    : jdbc.sql(JobSql.FIND_BY_IDEMPOTENCY_KEY)
                            .param(e.idempotencyKey())
                            .query(JOB)
                            .optional();
            if (holder.isEmpty() && options.uniqueKey() != null) {
                holder = jdbc.sql(JobSql.FIND_BY_UNIQUE_KEY)
                        .param(options.uniqueKey())
                        .query(JOB)
                        .optional();
            }
            if (holder.isPresent()) {
                return new Submission(holder.get(), false);
            }
            // the holder of a unique key left its unique states (cancelled, finished) between our insert and
            // our read: insert again; each round means another job held the key and let it go meanwhile
            if (attempt == MAX_SUBMIT_ROUNDS) {
                throw new IllegalStateException("job " + e.id() + " conflicted " + MAX_SUBMIT_ROUNDS
                        + " times but no job held its keys when read");
            }
        }
    }

    /** Whether a submission with these options can go through {@link #submitPlain}: no keys, no batch. */
    public static boolean plain(JobEvent event, JobOptions options) {
        return plain(event.idempotencyKey(), options);
    }

    /** {@link #plain(JobEvent, JobOptions)} from the fields it reads, for a caller without an event yet. */
    public static boolean plain(String idempotencyKey, JobOptions options) {
        return idempotencyKey == null && keyless(options);
    }

    /** No unique or order key, no fan-in batch. */
    private static boolean keyless(JobOptions options) {
        return options.uniqueKey() == null && options.orderKey() == null && options.batchId() == null;
    }

    /**
     * Insert many {@linkplain #plain plain} submissions, with their history and outbox rows, in one
     * statement ({@link JobSql#INSERT_PLAIN_JOBS}): all or none. Returns the jobs in the order given.
     *
     * @throws IllegalArgumentException when a submission is not plain
     */
    public List<JobRow> submitPlain(List<JobEvent> events, List<JobOptions> options, String actor) {
        return submitPlain(events, options, Collections.nCopies(events.size(), actor));
    }

    /**
     * {@link #submitPlain(List, List, String)} with an actor per submission (its history row's), for
     * submissions of several callers gathered into one statement (the producer's group commit).
     */
    public List<JobRow> submitPlain(List<JobEvent> events, List<JobOptions> options, List<String> actors) {
        String rows = submissionRows(events, options, actors, JobRepository::plain, "plain");
        if (events.isEmpty()) {
            return List.of();
        }
        Map<UUID, JobRow> byId = new HashMap<>();
        jdbc.sql(JobSql.INSERT_PLAIN_JOBS)
                .params(rows, Topics.JOBS)
                .query(JOB)
                .list()
                .forEach(job -> byId.put(job.id(), job));
        List<JobRow> jobs = new ArrayList<>(events.size());
        for (JobEvent e : events) {
            JobRow job = byId.get(e.id());
            if (job == null) {
                throw new IllegalStateException("job " + e.id() + " was not inserted");
            }
            jobs.add(job);
        }
        return jobs;
    }

    /**
     * Whether a submission can go through {@link #submitIdempotent}: an idempotency key, and no
     * unique, order or concurrency key and no fan-in batch.
     */
    public static boolean idempotentOnly(JobEvent event, JobOptions options) {
        return idempotentOnly(event.idempotencyKey(), event.concurrencyKey(), options);
    }

    /** {@link #idempotentOnly(JobEvent, JobOptions)} from the fields it reads. */
    public static boolean idempotentOnly(String idempotencyKey, String concurrencyKey, JobOptions options) {
        return idempotencyKey != null && concurrencyKey == null && keyless(options);
    }

    /**
     * Insert many {@linkplain #idempotentOnly idempotency-keyed} submissions, with their history and
     * outbox rows, in one statement ({@link JobSql#INSERT_IDEMPOTENT_JOBS}), then read the holders of
     * the keys that inserted nothing. Returns one submission per event, in the order given: created,
     * or the job holding its key ({@code created} false), or null where the holder was gone by the
     * time it was read (the caller submits that one again on its own).
     *
     * @throws IllegalArgumentException when a submission is not idempotency-keyed only
     */
    public List<Submission> submitIdempotent(List<JobEvent> events, List<JobOptions> options, List<String> actors) {
        String rows = submissionRows(events, options, actors, JobRepository::idempotentOnly, "idempotency-keyed-only");
        if (events.isEmpty()) {
            return List.of();
        }
        Map<UUID, JobRow> inserted = new HashMap<>();
        jdbc.sql(JobSql.INSERT_IDEMPOTENT_JOBS)
                .params(rows, Topics.JOBS)
                .query(JOB)
                .list()
                .forEach(job -> inserted.put(job.id(), job));
        List<String> taken = events.stream()
                .filter(e -> !inserted.containsKey(e.id()))
                .map(JobEvent::idempotencyKey)
                .distinct()
                .toList();
        Map<String, JobRow> holders = new HashMap<>();
        if (!taken.isEmpty()) {
            jdbc.sql(JobSql.FIND_BY_IDEMPOTENCY_KEYS)
                    .param(new SqlArrayValue("text", taken.toArray()))
                    .query(JOB)
                    .list()
                    .forEach(job -> holders.put(job.idempotencyKey(), job));
        }
        List<Submission> result = new ArrayList<>(events.size());
        for (JobEvent e : events) {
            JobRow created = inserted.get(e.id());
            if (created != null) {
                result.add(new Submission(created, true));
            } else {
                JobRow holder = holders.get(e.idempotencyKey());
                result.add(holder == null ? null : new Submission(holder, false));
            }
        }
        return result;
    }

    /**
     * The rows parameter of {@link JobSql#INSERT_PLAIN_JOBS} and {@link JobSql#INSERT_IDEMPOTENT_JOBS}
     * (each reads the columns it declares): one object per submission, {@code ord} its place.
     *
     * @throws IllegalArgumentException when the lists differ in size or a submission is not {@code kind}
     */
    static String submissionRows(
            List<JobEvent> events,
            List<JobOptions> options,
            List<String> actors,
            BiPredicate<JobEvent, JobOptions> takes,
            String kind) {
        if (events.size() != options.size() || events.size() != actors.size()) {
            throw new IllegalArgumentException(
                    events.size() + " events, " + options.size() + " options, " + actors.size() + " actors");
        }
        ArrayNode rows = JSON.createArrayNode();
        for (int i = 0; i < events.size(); i++) {
            JobEvent e = events.get(i).withDefaults();
            JobOptions o = options.get(i);
            if (!takes.test(e, o)) {
                throw new IllegalArgumentException("not a " + kind + " submission: " + e.id());
            }
            ObjectNode row = rows.addObject();
            row.put("ord", i);
            row.put("id", e.id().toString());
            row.put("type", e.type());
            row.set("payload", e.payload());
            row.put("priority", e.priority());
            row.put("run_at", e.runAt() == null ? null : e.runAt().toString());
            row.put("max_attempts", e.maxAttempts());
            row.put("concurrency_key", e.concurrencyKey());
            row.put("idempotency_key", e.idempotencyKey());
            row.set("metadata", o.metadata());
            row.put("timeout_ms", e.timeoutMs());
            row.put("submitted_by", o.submittedBy());
            row.put("event", JobCodec.encodeToString(e.publishable()));
            row.put("actor", actors.get(i));
        }
        return JSON.writeValueAsString(rows);
    }

    /**
     * Insert the jobs of Kafka-first events that the database does not know yet. Returns the ids
     * inserted; events whose job exists (by id or idempotency key) are left alone.
     */
    public Set<UUID> insertMissing(Collection<JobEvent> events, String actor) {
        if (events.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(jdbc.sql(JobSql.INSERT_MISSING_JOBS)
                .params(eventRows(events), actor)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list());
    }

    /**
     * Insert the jobs of Kafka-first events that the database does not know yet, and claim the new
     * ones that are due, of {@code types} and without a concurrency key, in the same statement: they
     * are inserted {@code RUNNING} under a fresh fencing token and lease ({@link
     * JobSql#INSERT_AND_CLAIM}). Returns those claims; the events' jobs that existed already, or
     * that were inserted {@code PENDING}, are the caller's to claim with {@link #claim}.
     */
    public List<Claim> insertAndClaim(
            Collection<JobEvent> events, Collection<String> types, String owner, Duration lease, String actor) {
        if (events.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(JobSql.INSERT_AND_CLAIM)
                .params(textArray(types), eventRows(events), owner, seconds(lease), actor, actor)
                .query(CLAIM)
                .list();
    }

    static String eventRows(Collection<JobEvent> events) {
        ArrayNode rows = JSON.createArrayNode();
        for (JobEvent event : events) {
            JobEvent e = event.withDefaults();
            ObjectNode row = rows.addObject();
            row.put("id", e.id().toString());
            row.put("type", e.type());
            row.set("payload", e.payload());
            row.put("priority", e.priority());
            row.put("run_at", e.runAt() == null ? null : e.runAt().toString());
            row.put("max_attempts", e.maxAttempts());
            row.put("idempotency_key", e.idempotencyKey());
            row.put("concurrency_key", e.concurrencyKey());
            row.put("timeout_ms", e.timeoutMs());
        }
        return JSON.writeValueAsString(rows);
    }

    // ---- reading ---------------------------------------------------------------------------

    public Optional<JobRow> find(UUID id) {
        return jdbc.sql(JobSql.FIND_JOB).param(id).query(JOB).optional();
    }

    public List<HistoryEntry> history(UUID jobId) {
        return jdbc.sql(JobSql.HISTORY).param(jobId).query(HISTORY).list();
    }

    /** Newest first, every column; {@code state} and {@code type} null mean any. */
    public List<JobRow> list(JobState state, String type, int limit) {
        return list(new JobQuery(null, state, type, null, null, limit, Long.MAX_VALUE, true, true, true))
                .jobs();
    }

    /**
     * A page of jobs, newest first, after the query's cursor. Only the large columns the query asks
     * for are read, and the page ends early rather than pass its byte budget.
     */
    public JobPage list(JobQuery query) {
        String state = query.state() == null ? null : query.state().name();
        OffsetDateTime after = query.afterCreatedAt() == null
                ? null
                : OffsetDateTime.ofInstant(query.afterCreatedAt(), ZoneOffset.UTC);
        long[] fetched = {0};
        List<JobRow> jobs = jdbc.sql(JobSql.listPage(query.payload(), query.metadata(), query.errors()))
                .params(
                        query.submittedBy(),
                        query.submittedBy(),
                        state,
                        state,
                        query.type(),
                        query.type(),
                        after,
                        after,
                        query.afterId(),
                        query.limit() + 1,
                        query.limit(),
                        query.maxBytes())
                .query((rs, n) -> {
                    fetched[0] = rs.getLong("fetched");
                    return JOB.mapRow(rs, n);
                })
                .list();
        return new JobPage(jobs, fetched[0] > jobs.size());
    }

    /**
     * Jobs per state and type, states with none left out. Read from the counts the jobs' own
     * statements keep (V9), not by counting jobs: the cost does not grow with the table.
     */
    public List<QueueDepth> queueDepth() {
        return jdbc.sql(JobSql.COUNT_BY_STATE_AND_TYPE)
                .query((rs, n) -> new QueueDepth(JobState.valueOf(rs.getString(1)), rs.getString(2), rs.getLong(3)))
                .list();
    }

    /**
     * Folds the count deltas the jobs' statements wrote since the last fold into {@code job_count},
     * so that {@link #queueDepth()} reads few rows. Safe to run from several workers at once.
     *
     * @return the (state, type) counts changed
     */
    public int foldJobCounts() {
        return jdbc.sql(JobSql.FOLD_JOB_COUNTS).update();
    }

    /** Seconds the oldest due pending job has waited; 0 when none waits. */
    public double oldestDuePendingAgeSeconds() {
        Double age = jdbc.sql(JobSql.OLDEST_DUE_PENDING_AGE).query(Double.class).single();
        return age == null ? 0 : age;
    }

    /** The transition table as the database holds it. */
    public Map<JobState, Set<JobState>> transitionTable() {
        Map<JobState, Set<JobState>> table = new EnumMap<>(JobState.class);
        for (JobState s : JobState.values()) {
            table.put(s, EnumSet.noneOf(JobState.class));
        }
        jdbc.sql(JobSql.TRANSITIONS)
                .query((rs, n) -> table.get(JobState.valueOf(rs.getString(1))).add(JobState.valueOf(rs.getString(2))))
                .list();
        return table;
    }

    // ---- claims and runs -------------------------------------------------------------------

    /**
     * Claim those of the named jobs that are pending and due, skipping rows another worker is
     * claiming. Each claim gets a fresh fencing token and a lease from the database clock.
     */
    public List<Claim> claim(Collection<UUID> ids, Collection<String> types, String owner, Duration lease) {
        if (ids.isEmpty() || types.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(JobSql.CLAIM_BY_IDS)
                .params(new SqlArrayValue("uuid", ids.toArray()), textArray(types), owner, seconds(lease))
                .query(CLAIM)
                .list();
    }

    /** Claim up to {@code limit} due pending jobs of the given types, highest priority first. */
    public List<Claim> claimDue(Collection<String> types, int limit, String owner, Duration lease) {
        if (types.isEmpty() || limit <= 0) {
            return List.of();
        }
        return jdbc.sql(JobSql.CLAIM_DUE)
                .params(textArray(types), limit, owner, seconds(lease))
                .query(CLAIM)
                .list();
    }

    /**
     * Claim one due job whose last run lost its worker, of the given types; such jobs are claimed
     * only this way, one at a time.
     */
    public List<Claim> claimSuspect(Collection<String> types, String owner, Duration lease) {
        if (types.isEmpty()) {
            return List.of();
        }
        return jdbc.sql(JobSql.CLAIM_SUSPECT)
                .params(textArray(types), owner, seconds(lease))
                .query(CLAIM)
                .list();
    }

    /**
     * Write the outcomes of runs, each only if its fencing token still holds the job. Returns the
     * state each written job ended in (a retry with no attempt left is DEAD); jobs missing from
     * the map were no longer this run's to finish.
     */
    public Map<UUID, JobState> finish(Collection<RunOutcome> outcomes, String actor) {
        Map<UUID, JobState> byJob = new LinkedHashMap<>();
        Map<UUID, UUID> jobByToken = new LinkedHashMap<>();
        outcomes.forEach(o -> jobByToken.put(o.claimToken(), o.jobId()));
        finishRuns(outcomes, actor).forEach((token, state) -> byJob.put(jobByToken.get(token), state));
        return byJob;
    }

    /**
     * Same as {@link #finish}, keyed by claim token: the state each written run's job ended in.
     * Runs missing from the map were no longer held under their token.
     */
    public Map<UUID, JobState> finishRuns(Collection<RunOutcome> outcomes, String actor) {
        if (outcomes.isEmpty()) {
            return Map.of();
        }
        int size = outcomes.size();
        UUID[] ids = new UUID[size];
        UUID[] tokens = new UUID[size];
        String[] states = new String[size];
        Long[] delays = new Long[size];
        String[] errors = new String[size];
        String[] details = new String[size];
        int i = 0;
        for (RunOutcome o : outcomes) {
            ids[i] = o.jobId();
            tokens[i] = o.claimToken();
            states[i] = o.state().name();
            delays[i] = o.retryDelay() == null ? 0L : o.retryDelay().toMillis();
            details[i] = o.detail();
            if (o.error() != null) {
                ObjectNode error = JSON.createObjectNode();
                error.put("attempt", o.error().attempt());
                error.put("class", o.error().errorClass());
                error.put("message", o.error().message());
                error.put("stack", o.error().stack());
                errors[i] = JSON.writeValueAsString(error);
            }
            i++;
        }
        Map<UUID, JobState> written = new LinkedHashMap<>();
        jdbc.sql(JobSql.FINISH_RUNS)
                .params(
                        new SqlArrayValue("uuid", (Object[]) ids),
                        new SqlArrayValue("uuid", (Object[]) tokens),
                        new SqlArrayValue("text", (Object[]) states),
                        new SqlArrayValue("bigint", (Object[]) delays),
                        new SqlArrayValue("text", (Object[]) errors),
                        new SqlArrayValue("text", (Object[]) details),
                        actor)
                .query((rs, n) -> written.put(rs.getObject(3, UUID.class), JobState.valueOf(rs.getString(2))))
                .list();
        return written;
    }

    /** Extend the leases of runs still held under their tokens; returns the ids extended. */
    public Set<UUID> extendLeases(Map<UUID, UUID> tokensByJob, Duration lease) {
        if (tokensByJob.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(jdbc.sql(JobSql.EXTEND_LEASES)
                .params(runs(tokensByJob), seconds(lease))
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list());
    }

    /** Give back runs still held under their tokens, to PENDING, without spending their attempt. */
    public Set<UUID> release(Map<UUID, UUID> tokensByJob, String actor) {
        if (tokensByJob.isEmpty()) {
            return Set.of();
        }
        return Set.copyOf(jdbc.sql(JobSql.RELEASE_RUNS)
                .params(runs(tokensByJob), actor)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list());
    }

    /**
     * Same as {@link #release}, for runs given as job id by claim token; returns the tokens of the
     * runs handed back.
     */
    public Set<UUID> releaseRuns(Map<UUID, UUID> jobsByToken, String actor) {
        if (jobsByToken.isEmpty()) {
            return Set.of();
        }
        ArrayNode rows = JSON.createArrayNode();
        jobsByToken.forEach((token, id) -> {
            ObjectNode row = rows.addObject();
            row.put("id", id.toString());
            row.put("token", token.toString());
        });
        return Set.copyOf(jdbc.sql(JobSql.RELEASE_RUNS)
                .params(JSON.writeValueAsString(rows), actor)
                .query((rs, n) -> rs.getObject(2, UUID.class))
                .list());
    }

    // ---- a running job's own data (G5) ------------------------------------------------------

    /**
     * Merge keys into a running job's metadata; false if the run no longer holds the job.
     *
     * @throws MetadataTooLargeException when the merged metadata would pass the budget; nothing is merged
     */
    public boolean mergeMetadata(UUID id, UUID token, JsonNode patch) {
        if (patch == null || !patch.isObject()) {
            throw new IllegalArgumentException("metadata patch must be a JSON object");
        }
        String json = JSON.writeValueAsString(patch);
        if (jdbc.sql(JobSql.MERGE_METADATA)
                        .params(json, id, token, json, maxMetadataBytes)
                        .update()
                == 1) {
            return true;
        }
        Optional<Long> size = jdbc.sql(JobSql.MERGED_METADATA_SIZE)
                .params(json, id, token)
                .query(Long.class)
                .optional();
        if (size.isPresent() && size.get() > maxMetadataBytes) {
            throw new MetadataTooLargeException(size.get(), maxMetadataBytes);
        }
        return false;
    }

    /** Add {@code n} to a counter of a running job; the new value, or empty if the run no longer holds the job. */
    public java.util.OptionalLong incrementCounter(UUID id, UUID token, String name, long n) {
        return jdbc.sql(JobSql.INCREMENT_COUNTER)
                .params(name, name, n, id, token, name)
                .query(Long.class)
                .optional()
                .map(java.util.OptionalLong::of)
                .orElse(java.util.OptionalLong.empty());
    }

    /** Append a log entry for a running job; false if the run no longer holds the job. */
    public boolean appendLog(UUID id, UUID token, JsonNode entry) {
        return jdbc.sql(JobSql.APPEND_LOG)
                        .params(JSON.writeValueAsString(entry), id, token)
                        .update()
                == 1;
    }

    public List<LogEntry> logs(UUID id) {
        return jdbc.sql(JobSql.LOGS)
                .param(id)
                .query((rs, n) -> new LogEntry(
                        rs.getLong("id"),
                        rs.getObject("job_id", UUID.class),
                        rs.getObject("claim_token", UUID.class),
                        rs.getInt("attempt"),
                        instant(rs, "at"),
                        json(rs, "entry")))
                .list();
    }

    // ---- a person's change, guarded by version (If-Match) -------------------------------------

    /**
     * Change priority, run_at or metadata of a job no worker holds, only if it is still at
     * {@code version}. Null arguments are left alone.
     */
    public PatchResult patch(UUID id, long version, Integer priority, Instant runAt, JsonNode metadataPatch) {
        String metadata = metadataPatch == null ? null : JSON.writeValueAsString(metadataPatch);
        Optional<JobRow> patched = jdbc.sql(JobSql.PATCH_JOB)
                .params(
                        priority,
                        priority,
                        runAt == null ? null : OffsetDateTime.ofInstant(runAt, ZoneOffset.UTC),
                        metadata,
                        id,
                        version,
                        metadata,
                        maxMetadataBytes)
                .query(JOB)
                .optional();
        if (patched.isPresent()) {
            return new PatchResult.Patched(patched.get());
        }
        Optional<JobRow> current = find(id);
        if (current.isEmpty()) {
            return new PatchResult.NotFound();
        }
        JobRow job = current.get();
        if (job.version() != version) {
            return new PatchResult.StaleVersion(job);
        }
        if (job.state() == JobState.PENDING || job.state() == JobState.RETRY_SCHEDULED) {
            long size = jdbc.sql(JobSql.PATCHED_METADATA_SIZE)
                    .params(metadata, id)
                    .query(Long.class)
                    .single();
            if (size > maxMetadataBytes) {
                return new PatchResult.TooLarge(job, size, maxMetadataBytes);
            }
        }
        return new PatchResult.NotPatchable(job);
    }

    // ---- maintenance -----------------------------------------------------------------------

    /** {@link #rescueExpired(int, RescuePolicy, String)} with {@link RescuePolicy#DEFAULT}. */
    public Map<UUID, JobState> rescueExpired(int limit, String actor) {
        return rescueExpired(limit, RescuePolicy.DEFAULT, actor);
    }

    /**
     * Runs whose lease expired: RETRY_SCHEDULED after the policy's backoff, or DEAD with no attempt
     * left or after {@link RescuePolicy#maxRescues()} rescues in a row without an outcome.
     */
    public Map<UUID, JobState> rescueExpired(int limit, RescuePolicy policy, String actor) {
        Map<UUID, JobState> rescued = new LinkedHashMap<>();
        jdbc.sql(JobSql.RESCUE_EXPIRED)
                .params(
                        limit,
                        policy.maxRescues(),
                        (double) policy.backoff().base().toMillis(),
                        (double) policy.backoff().max().toMillis(),
                        policy.backoff().jitter(),
                        actor)
                .query((rs, n) -> rescued.put(rs.getObject(1, UUID.class), JobState.valueOf(rs.getString(2))))
                .list();
        return rescued;
    }

    /** Due retries back to PENDING; returns how many. */
    public int promoteDueRetries(int limit, String actor) {
        return jdbc.sql(JobSql.PROMOTE_DUE_RETRIES)
                .params(limit, actor)
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list()
                .size();
    }

    /** Lower the effective priority of jobs that waited an aging interval per step; returns how many moved. */
    public int agePriorities(Duration aging, int limit) {
        return jdbc.sql(JobSql.AGE_PRIORITIES).params(seconds(aging), limit).update();
    }

    // ---- cancellation ----------------------------------------------------------------------

    /** What a cancel did. */
    public enum CancelResult {
        CANCELLED,
        /** No job with that id. */
        NOT_FOUND,
        /** The job is running or finished: nothing was changed. */
        NOT_CANCELLABLE,
        /** A worker is claiming it at this instant; nothing was changed. */
        BUSY
    }

    /** Cancel a PENDING or RETRY_SCHEDULED job; never waits for a worker's row lock. */
    public CancelResult cancel(UUID id, String actor, String reason) {
        try {
            boolean cancelled = jdbc.sql(JobSql.CANCEL)
                    .params(id, actor, reason)
                    .query((rs, n) -> rs.getObject(1, UUID.class))
                    .optional()
                    .isPresent();
            if (cancelled) {
                return CancelResult.CANCELLED;
            }
        } catch (DataAccessException e) {
            if (!isLockNotAvailable(e)) {
                throw e;
            }
            return CancelResult.BUSY;
        }
        return find(id).isPresent() ? CancelResult.NOT_CANCELLABLE : CancelResult.NOT_FOUND;
    }

    /** What a re-drive did. */
    public enum RedriveResult {
        REDRIVEN,
        NOT_FOUND,
        /** The job is not DEAD: nothing was changed. */
        NOT_DEAD,
        /** Another writer holds the row at this instant; nothing was changed. */
        BUSY
    }

    /** Put a DEAD job back to work with fresh attempts; its error list is kept. */
    public RedriveResult redrive(UUID id, String actor) {
        try {
            boolean redriven = jdbc.sql(JobSql.REDRIVE)
                    .params(id, actor, Topics.JOBS)
                    .query((rs, n) -> rs.getObject(1, UUID.class))
                    .optional()
                    .isPresent();
            if (redriven) {
                return RedriveResult.REDRIVEN;
            }
        } catch (DataAccessException e) {
            if (!isLockNotAvailable(e)) {
                throw e;
            }
            return RedriveResult.BUSY;
        }
        return find(id).isPresent() ? RedriveResult.NOT_DEAD : RedriveResult.NOT_FOUND;
    }

    // ---- outbox ----------------------------------------------------------------------------

    /**
     * Take up to {@code limit} outbox rows and hand them to {@code publish} inside one
     * transaction: the rows are deleted only if {@code publish} returns, so a publish that throws
     * (Kafka down) leaves every row for the next try. Rows another relay holds are skipped.
     *
     * @return how many rows were published
     */
    public int relayOutbox(int limit, Consumer<List<OutboxRecord>> publish) {
        return TakeAndPublish.run(
                transactionManager,
                () -> jdbc.sql(JobSql.TAKE_OUTBOX)
                        .param(limit)
                        .query((rs, n) -> new OutboxRecord(
                                rs.getLong("id"),
                                rs.getObject("job_id", UUID.class),
                                rs.getString("topic"),
                                rs.getString("event")))
                        .list(),
                publish);
    }

    public long outboxSize() {
        return jdbc.sql(JobSql.OUTBOX_SIZE).query(Long.class).single();
    }

    // ---- demo audit ------------------------------------------------------------------------

    /** Record the start of a demo handler's execution; returns the execution id for {@link #endExecution}. */
    public long startExecution(UUID jobId, String workerId, UUID claimToken, int attempt) {
        return jdbc.sql(JobSql.START_EXECUTION)
                .params(jobId, workerId, claimToken, attempt)
                .query(Long.class)
                .single();
    }

    public void endExecution(long executionId) {
        int updated = jdbc.sql(JobSql.END_EXECUTION).param(executionId).update();
        if (updated != 1) {
            throw new IllegalStateException("execution " + executionId + " not found (" + updated + " rows)");
        }
    }

    /** The start of a demo execution to record: the run it belongs to. */
    public record ExecutionStart(UUID jobId, UUID claimToken, int attempt) {}

    /** What {@link #recordExecutions} wrote: the new ids in the order of the starts, and the ends found. */
    public record RecordedExecutions(List<Long> startIds, Set<Long> ended) {}

    /**
     * Record many starts and ends of one worker's demo executions in one statement and one commit
     * (see {@link #startExecution}). An end whose execution does not exist is missing from {@code
     * ended}; the rest is recorded.
     */
    public RecordedExecutions recordExecutions(String workerId, List<ExecutionStart> starts, Collection<Long> ends) {
        Map<String, ArrayDeque<Long>> started = new HashMap<>();
        Set<Long> ended = new HashSet<>();
        if (!starts.isEmpty() || !ends.isEmpty()) {
            jdbc.sql(JobSql.RECORD_EXECUTIONS)
                    .params(
                            workerId,
                            uuidArray(starts.stream().map(ExecutionStart::jobId).toList()),
                            uuidArray(starts.stream()
                                    .map(ExecutionStart::claimToken)
                                    .toList()),
                            starts.stream()
                                    .map(e -> Integer.toString(e.attempt()))
                                    .collect(Collectors.joining(",", "{", "}")),
                            ends.stream().map(String::valueOf).collect(Collectors.joining(",", "{", "}")))
                    .query(rs -> {
                        long id = rs.getLong("id");
                        String job = rs.getString("job_id");
                        if (job == null) {
                            ended.add(id);
                        } else {
                            started.computeIfAbsent(job + "/" + rs.getString("claim_token"), k -> new ArrayDeque<>())
                                    .add(id);
                        }
                    });
        }
        List<Long> ids = new ArrayList<>(starts.size());
        for (ExecutionStart start : starts) {
            ids.add(started.get(start.jobId() + "/" + start.claimToken()).poll());
        }
        return new RecordedExecutions(ids, ended);
    }

    /** Pairs of executions of one job that overlapped in time; G1 says this is always 0. */
    public long overlappingExecutions() {
        return jdbc.sql(JobSql.OVERLAPPING_EXECUTIONS).query(Long.class).single();
    }

    // ---- mapping ---------------------------------------------------------------------------

    /** SQLState 55P03: a {@code NOWAIT} lock found the row taken. */
    static boolean isLockNotAvailable(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "55P03".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }

    private static String uuidArray(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    /** A text[] literal; types are checked against JobEvent.TYPE_PATTERN, which admits no quoting characters. */
    private static String textArray(Collection<String> values) {
        for (String v : values) {
            if (!JobEvent.TYPE_PATTERN.matcher(v).matches()) {
                throw new IllegalArgumentException("not a job type: " + v);
            }
        }
        return values.stream().collect(Collectors.joining(",", "{", "}"));
    }

    private static double seconds(Duration d) {
        return d.toMillis() / 1000.0;
    }

    private static String runs(Map<UUID, UUID> tokensByJob) {
        ArrayNode rows = JSON.createArrayNode();
        tokensByJob.forEach((id, token) -> {
            ObjectNode row = rows.addObject();
            row.put("id", id.toString());
            row.put("token", token.toString());
        });
        return JSON.writeValueAsString(rows);
    }

    static Instant instant(ResultSet rs, String column) throws SQLException {
        OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
        return t == null ? null : t.toInstant();
    }

    static JsonNode json(ResultSet rs, String column) throws SQLException {
        String text = rs.getString(column);
        return text == null ? null : JSON.readTree(text);
    }

    static final RowMapper<JobRow> JOB = (rs, n) -> new JobRow(
            rs.getObject("id", UUID.class),
            rs.getString("type"),
            json(rs, "payload"),
            JobState.valueOf(rs.getString("state")),
            rs.getInt("priority"),
            instant(rs, "run_at"),
            rs.getInt("attempts"),
            rs.getInt("max_attempts"),
            rs.getString("idempotency_key"),
            rs.getString("concurrency_key"),
            rs.getObject("claim_token", UUID.class),
            rs.getString("lease_owner"),
            instant(rs, "lease_expires_at"),
            json(rs, "metadata"),
            rs.getString("last_error"),
            json(rs, "errors"),
            rs.getInt("rescue_count"),
            instant(rs, "created_at"),
            instant(rs, "updated_at"),
            instant(rs, "started_at"),
            instant(rs, "finished_at"),
            rs.getLong("version"),
            json(rs, "counters"),
            rs.getString("unique_key"),
            rs.getObject("batch_id", UUID.class),
            rs.getString("order_key"),
            rs.getInt("effective_priority"),
            (Integer) rs.getObject("timeout_ms"),
            rs.getInt("lost_runs"),
            rs.getString("submitted_by"));

    private static final RowMapper<Claim> CLAIM = (rs, n) -> {
        JobRow job = JOB.mapRow(rs, n);
        return new Claim(job, job.claimToken());
    };

    private static final RowMapper<HistoryEntry> HISTORY = (rs, n) -> {
        String from = rs.getString("from_state");
        Object attempt = rs.getObject("attempt");
        return new HistoryEntry(
                rs.getLong("id"),
                rs.getObject("job_id", UUID.class),
                from == null ? null : JobState.valueOf(from),
                JobState.valueOf(rs.getString("to_state")),
                instant(rs, "at"),
                rs.getString("actor"),
                rs.getObject("claim_token", UUID.class),
                attempt == null ? null : ((Number) attempt).intValue(),
                rs.getString("detail"));
    };
}
