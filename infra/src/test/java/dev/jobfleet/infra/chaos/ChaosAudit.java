package dev.jobfleet.infra.chaos;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The invariants, read from the database and the demo handlers' execution audit ({@code
 * demo_execution}: one row per run, start and end by the database clock). Every query is limited
 * to the ids given (one {@code uuid[]} unnested into a relation).
 */
final class ChaosAudit {
    private static final String IDS = "(SELECT unnest(CAST(:ids AS uuid[])))";

    /**
     * An execution ends at its recorded end, or, when the run died before writing it, when its claim
     * was fenced: the first history row leaving RUNNING with its claim token (rescue or outcome).
     */
    private static final String EXECUTIONS = """
            WITH fenced AS (
                SELECT e.*, (SELECT min(h.at) FROM job_history h
                             WHERE h.job_id = e.job_id AND h.claim_token = e.claim_token AND h.from_state = 'RUNNING')
                            AS fenced_at
                FROM demo_execution e WHERE e.job_id IN %s
            ), execution AS (
                SELECT id, job_id, worker_id, claim_token, started_at,
                       CASE WHEN worker_id = :cut AND started_at < to_timestamp(:healed / 1000.0)
                                 AND finished_at > to_timestamp(:healed / 1000.0)
                            THEN least(finished_at, coalesce(fenced_at, 'infinity'))
                            ELSE coalesce(finished_at, fenced_at, 'infinity') END AS ended_at
                FROM fenced
            )
            """.formatted(IDS);

    private final JdbcClient jdbc;

    ChaosAudit(DataSource admin) {
        this.jdbc = JdbcClient.create(admin);
    }

    /** Accepted jobs not in a terminal state, or with no row at all: lost, if still so at the deadline. */
    List<UUID> notTerminal(Collection<UUID> ids) {
        return jdbc.sql("""
                        SELECT i FROM %s AS t(i) LEFT JOIN jobs j ON j.id = t.i
                        WHERE j.id IS NULL OR j.state NOT IN ('SUCCEEDED', 'DEAD', 'CANCELLED')""".formatted(IDS))
                .param("ids", array(ids))
                .query(UUID.class)
                .list();
    }

    Map<String, Long> states(Collection<UUID> ids) {
        Map<String, Long> byState = new TreeMap<>();
        jdbc.sql("SELECT state::text, count(*) FROM jobs WHERE id IN " + IDS + " GROUP BY 1")
                .param("ids", array(ids))
                .query((rs, n) -> byState.put(rs.getString(1), rs.getLong(2)))
                .list();
        return byState;
    }

    /** Jobs with more than one recorded outcome: history rows from RUNNING into a terminal state. */
    List<UUID> outcomesRecordedTwice(Collection<UUID> ids) {
        return jdbc.sql("""
                        SELECT job_id FROM job_history WHERE job_id IN %s
                          AND from_state = 'RUNNING' AND to_state IN ('SUCCEEDED', 'DEAD', 'CANCELLED')
                        GROUP BY job_id HAVING count(*) > 1""".formatted(IDS))
                .param("ids", array(ids))
                .query(UUID.class)
                .list();
    }

    /**
     * Jobs two of whose executions overlap in time. {@code cut}: the partition of the scenario, or
     * null; an execution of the cut-off worker whose end write arrived after the heal ends at the
     * latest when its claim was fenced (the database cannot see when its handler really stopped; see
     * {@link #lateEndWrites}).
     */
    List<UUID> overlappingExecutions(Collection<UUID> ids, ChaosFleet.Partition cut) {
        return partition(jdbc.sql(EXECUTIONS + """
                        SELECT DISTINCT a.job_id FROM execution a
                        JOIN execution b ON a.job_id = b.job_id AND a.id < b.id
                        WHERE a.started_at < b.ended_at AND b.started_at < a.ended_at"""), cut)
                .param("ids", array(ids))
                .query(UUID.class)
                .list();
    }

    /** For a failure message: a job's executions and history, one line each. */
    List<String> describe(UUID id) {
        List<String> lines = new java.util.ArrayList<>();
        lines.add("job " + id + ":");
        lines.addAll(jdbc.sql("""
                        SELECT '  execution ' || worker_id || ' attempt ' || attempt || ' token ' || claim_token || ' '
                               || to_char(started_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || ' -> '
                               || coalesce(to_char(finished_at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), 'no end')
                        FROM demo_execution WHERE job_id = :id ORDER BY id""").param("id", id).query(String.class).list());
        lines.addAll(jdbc.sql("""
                        SELECT '  history ' || to_char(at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || ' '
                               || coalesce(from_state::text, '-') || ' -> ' || to_state || ' by ' || actor
                               || coalesce(' token ' || claim_token, '') || coalesce(' (' || detail || ')', '')
                        FROM job_history WHERE job_id = :id ORDER BY id""").param("id", id).query(String.class).list());
        return lines;
    }

    /**
     * History rows that are not an edge of the transition table, or whose {@code from_state} is not
     * the state the previous row left the job in, or a first row that is not {@code - -> PENDING}.
     */
    List<String> illegalHistoryEdges(Collection<UUID> ids) {
        return jdbc.sql("""
                        WITH h AS (
                            SELECT job_id, id, from_state, to_state,
                                   lag(to_state) OVER (PARTITION BY job_id ORDER BY id) AS previous,
                                   row_number() OVER (PARTITION BY job_id ORDER BY id) AS n
                            FROM job_history WHERE job_id IN %s
                        )
                        SELECT job_id || ' row ' || id || ': ' || coalesce(from_state::text, '-') || ' -> ' || to_state
                               || ' after ' || coalesce(previous::text, 'nothing')
                        FROM h
                        WHERE (n = 1 AND (from_state IS NOT NULL OR to_state <> 'PENDING'))
                           OR (n > 1 AND (from_state IS DISTINCT FROM previous
                               OR NOT EXISTS (SELECT 1 FROM job_state_transition t
                                              WHERE t.from_state = h.from_state AND t.to_state = h.to_state)))
                        ORDER BY job_id, id""".formatted(IDS))
                .param("ids", array(ids))
                .query(String.class)
                .list();
    }

    /**
     * The most executions of these jobs running at one instant, from the execution audit: for each
     * start, how many executions had started and not ended by then.
     */
    int maxConcurrentExecutions(Collection<UUID> ids, ChaosFleet.Partition cut) {
        Integer max = partition(jdbc.sql(EXECUTIONS + """
                        SELECT max(c) FROM (
                            SELECT (SELECT count(*) FROM execution b
                                    WHERE b.started_at <= a.started_at AND a.started_at < b.ended_at) AS c
                            FROM execution a) x"""), cut)
                .param("ids", array(ids))
                .query(Integer.class)
                .optional()
                .orElse(0);
        return max == null ? 0 : max;
    }

    /** Executions of the cut-off worker begun before the heal whose end write reached the database after it. */
    long lateEndWrites(Collection<UUID> ids, ChaosFleet.Partition cut) {
        if (cut == null) {
            return 0;
        }
        return jdbc.sql("SELECT count(*) FROM demo_execution WHERE job_id IN " + IDS
                        + " AND worker_id = :cut AND started_at < to_timestamp(:healed / 1000.0)"
                        + " AND finished_at > to_timestamp(:healed / 1000.0)")
                .param("ids", array(ids))
                .param("cut", cut.worker())
                .param("healed", cut.healedMillis())
                .query(Long.class)
                .single();
    }

    private static JdbcClient.StatementSpec partition(JdbcClient.StatementSpec sql, ChaosFleet.Partition cut) {
        return sql.param("cut", cut == null ? "" : cut.worker()).param("healed", cut == null ? 0L : cut.healedMillis());
    }

    /** Jobs that ran more than once (a run cut by the fault and run again: at least once, not a duplicate outcome). */
    long reExecuted(Collection<UUID> ids) {
        return jdbc.sql("SELECT count(*) FROM (SELECT job_id FROM demo_execution WHERE job_id IN " + IDS
                        + " GROUP BY job_id HAVING count(*) > 1) x")
                .param("ids", array(ids))
                .query(Long.class)
                .single();
    }

    /** Jobs the reaper took back at least once. */
    long rescued(Collection<UUID> ids) {
        return jdbc.sql("SELECT count(*) FROM jobs WHERE id IN " + IDS + " AND rescue_count > 0")
                .param("ids", array(ids))
                .query(Long.class)
                .single();
    }

    /** Completions per second (epoch second of {@code finished_at}, database clock). */
    Map<Long, Long> completionsPerSecond(Collection<UUID> ids) {
        Map<Long, Long> perSecond = new TreeMap<>();
        jdbc.sql("SELECT floor(extract(epoch FROM finished_at))::bigint, count(*) FROM jobs WHERE id IN " + IDS
                        + " AND state = 'SUCCEEDED' GROUP BY 1")
                .param("ids", array(ids))
                .query((rs, n) -> perSecond.put(rs.getLong(1), rs.getLong(2)))
                .list();
        return perSecond;
    }

    static String array(Collection<UUID> ids) {
        return ids.stream().map(UUID::toString).collect(Collectors.joining(",", "{", "}"));
    }
}
