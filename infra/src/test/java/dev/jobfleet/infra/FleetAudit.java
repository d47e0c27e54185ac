package dev.jobfleet.infra;

import dev.jobfleet.model.JobState;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * What the database says about a set of jobs, for the fleet tests' assertions: their states, the
 * claims in their history (who claimed, how often), and the demo handlers' executions ({@code
 * demo_execution}). Read-only; every query is limited to the ids given, so jobs of another test in
 * the same database do not count. The ids travel as one {@code uuid[]} unnested into a relation,
 * parsed once (as a filter, {@code = ANY (CAST(? AS uuid[]))} is parsed again for every row).
 */
final class FleetAudit {
    private final JdbcClient jdbc;

    FleetAudit(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
    }

    Map<JobState, Long> states(Collection<UUID> ids) {
        Map<JobState, Long> byState = new EnumMap<>(JobState.class);
        jdbc.sql("SELECT state, count(*) FROM jobs WHERE id IN (SELECT unnest(CAST(? AS uuid[]))) GROUP BY state")
                .param(array(ids))
                .query((rs, n) -> byState.put(JobState.valueOf(rs.getString(1)), rs.getLong(2)))
                .list();
        return byState;
    }

    /** Those of {@code ids} whose job is in {@code state} now. */
    List<UUID> idsIn(Collection<UUID> ids, JobState state) {
        return jdbc.sql(
                        "SELECT id FROM jobs WHERE id IN (SELECT unnest(CAST(? AS uuid[]))) AND state = CAST(? AS job_state)")
                .params(array(ids), state.name())
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
    }

    long count(Collection<UUID> ids, JobState state) {
        return states(ids).getOrDefault(state, 0L);
    }

    /** Rows in {@code jobs} for these ids: a lost job is missing here. */
    long existing(Collection<UUID> ids) {
        return states(ids).values().stream().mapToLong(Long::longValue).sum();
    }

    /** Executions of each job's handler (jobs never run are absent). */
    Map<UUID, Integer> executions(Collection<UUID> ids) {
        return perJob(
                "SELECT job_id, count(*) FROM demo_execution WHERE job_id IN (SELECT unnest(CAST(? AS uuid[])))"
                        + " GROUP BY job_id",
                ids);
    }

    /** Executions whose end was never recorded (the handler's end write failed, or it still runs). */
    long unfinishedExecutions(Collection<UUID> ids) {
        return jdbc.sql("SELECT count(*) FROM demo_execution WHERE job_id IN (SELECT unnest(CAST(? AS uuid[])))"
                        + " AND finished_at IS NULL")
                .param(array(ids))
                .query(Long.class)
                .single();
    }

    /**
     * For each job with two executions that overlap in time (what {@code overlappingExecutions()}
     * counts), its executions and its history, one line each, for the failure message.
     */
    List<String> overlapDetails(Collection<UUID> ids) {
        List<UUID> overlapping = jdbc.sql("""
                        SELECT DISTINCT a.job_id FROM demo_execution a
                        JOIN demo_execution b ON a.job_id = b.job_id AND a.id < b.id
                        WHERE a.job_id IN (SELECT unnest(CAST(? AS uuid[])))
                          AND a.started_at < coalesce(b.finished_at, 'infinity')
                          AND b.started_at < coalesce(a.finished_at, 'infinity')""")
                .param(array(ids))
                .query((rs, n) -> rs.getObject(1, UUID.class))
                .list();
        List<String> lines = new java.util.ArrayList<>();
        for (UUID id : overlapping) {
            lines.add("job " + id + ":");
            lines.addAll(jdbc.sql("""
                            SELECT 'execution ' || worker_id || ' attempt ' || attempt || ' token ' || claim_token
                                   || ' ' || to_char(started_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || ' -> '
                                   || coalesce(to_char(finished_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), 'no end')
                            FROM demo_execution WHERE job_id = ? ORDER BY id""").param(id).query(String.class).list());
            lines.addAll(jdbc.sql("""
                            SELECT 'history ' || to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || ' '
                                   || coalesce(from_state::text, '-') || ' -> ' || to_state || ' by ' || actor
                                   || coalesce(' token ' || claim_token, '') || coalesce(' (' || detail || ')', '')
                            FROM job_history WHERE job_id = ? ORDER BY id""").param(id).query(String.class).list());
            lines.addAll(jdbc.sql("""
                            SELECT 'error ' || (e ->> 'attempt') || ' ' || (e ->> 'class') || ': ' || (e ->> 'message')
                            FROM jobs, jsonb_array_elements(errors) e WHERE id = ?""").param(id).query(String.class).list());
        }
        return lines;
    }

    /** PENDING -> RUNNING rows of each job's history (jobs never claimed are absent). */
    Map<UUID, Integer> claims(Collection<UUID> ids) {
        return perJob(
                "SELECT job_id, count(*) FROM job_history WHERE job_id IN (SELECT unnest(CAST(? AS uuid[])))"
                        + " AND to_state = 'RUNNING' GROUP BY job_id",
                ids);
    }

    /** Claims per claiming worker (the history's actor of each PENDING -> RUNNING row). */
    Map<String, Long> claimsByActor(Collection<UUID> ids) {
        Map<String, Long> byActor = new HashMap<>();
        jdbc.sql("SELECT actor, count(*) FROM job_history WHERE job_id IN (SELECT unnest(CAST(? AS uuid[])))"
                        + " AND to_state = 'RUNNING' GROUP BY actor")
                .param(array(ids))
                .query((rs, n) -> byActor.put(rs.getString(1), rs.getLong(2)))
                .list();
        return byActor;
    }

    /** Jobs the reaper took back at least once ({@code rescue_count > 0}), with how often. */
    Map<UUID, Integer> rescued(Collection<UUID> ids) {
        return perJob(
                "SELECT id, rescue_count FROM jobs WHERE id IN (SELECT unnest(CAST(? AS uuid[]))) AND rescue_count > 0",
                ids);
    }

    /** Seconds from the first job's {@code created_at} to the last one's {@code finished_at}, by the database clock. */
    double createdToLastFinishedSeconds(Collection<UUID> ids) {
        Double seconds = jdbc.sql("SELECT extract(epoch FROM max(finished_at) - min(created_at)) FROM jobs"
                        + " WHERE id IN (SELECT unnest(CAST(? AS uuid[])))")
                .param(array(ids))
                .query(Double.class)
                .single();
        return seconds == null ? Double.NaN : seconds;
    }

    private Map<UUID, Integer> perJob(String sql, Collection<UUID> ids) {
        Map<UUID, Integer> perJob = new HashMap<>();
        jdbc.sql(sql)
                .param(array(ids))
                .query((rs, n) -> perJob.put(rs.getObject(1, UUID.class), rs.getInt(2)))
                .list();
        return perJob;
    }

    private static String array(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }

    /** "SUCCEEDED 480, RUNNING 20" without the zeros. */
    static String describe(Map<JobState, Long> states) {
        return states.entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue())
                .collect(Collectors.joining(", "));
    }

    /** The ids of {@code ids} whose value in {@code perJob} is not {@code expected} (missing counts as 0). */
    static List<UUID> notExactly(Collection<UUID> ids, Map<UUID, Integer> perJob, int expected) {
        return ids.stream().filter(id -> perJob.getOrDefault(id, 0) != expected).toList();
    }
}
