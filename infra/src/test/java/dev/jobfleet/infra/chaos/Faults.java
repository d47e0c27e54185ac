package dev.jobfleet.infra.chaos;

import dev.jobfleet.infra.LocalPostgres;
import dev.jobfleet.model.Topics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * The faults, each injected, checked to have happened (a fault that did not happen fails its
 * scenario, never passes it), and healed.
 */
final class Faults {
    private static final int SIGKILL_EXIT = 137;

    private Faults() {}

    /** Every scenario, in the order they run. */
    static List<Scenario> all() {
        return List.of(
                workerCrash(),
                repeatedKills(),
                brokerRestart(),
                databaseRestart(),
                backendKill(),
                duplicatesAndPoison(),
                heldTransaction(),
                activeReaders(),
                poolPressure(),
                overload(),
                networkPartition());
    }

    static Scenario workerCrash() {
        return new Scenario(
                "worker-crash",
                "Worker crash",
                "SIGKILL one worker holding running jobs, restart it after 5 s (past its 3 s lease)",
                Duration.ofSeconds(5),
                (fleet, load, window) -> {
                    AppProcess victim = fleet.workers().get(1);
                    JdbcClient jdbc = JdbcClient.create(fleet.admin());
                    Map<UUID, UUID> held = awaitHeldRuns(jdbc, victim.name());
                    long pid = victim.pid();
                    int exit = victim.kill();
                    check(exit == SIGKILL_EXIT, victim.name() + " exited with " + exit + ", not by SIGKILL");
                    check(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false, "pid still alive");
                    Chaos.hold(window);
                    victim.start();
                    long rescued = awaitCutRunsSettled(jdbc, held);
                    check(rescued > 0, "none of the " + held.size() + " runs it held was rescued by the reaper");
                    return String.format(
                            "%s (pid %d) killed holding %d claimed runs, exit %d; restarted; %d of them rescued by the reaper",
                            victim.name(), pid, held.size(), exit, rescued);
                });
    }

    static Scenario repeatedKills() {
        return new Scenario(
                "repeated-kills",
                "Repeated kills",
                "every 8 s SIGKILL a random running worker (while 2 or more run) and start it again at once, for 60 s;"
                        + " every restart is a JVM start on the same 2 cores, so the fleet runs well below its ceiling"
                        + " throughout and the backlog takes longer to drain: 150 s allowed",
                Duration.ofSeconds(60),
                Duration.ofSeconds(150),
                (fleet, load, window) -> {
                    long end = System.nanoTime() + window.toNanos();
                    int kills = 0;
                    List<String> victims = new ArrayList<>();
                    while (System.nanoTime() < end) {
                        Chaos.hold(Duration.ofSeconds(8));
                        List<AppProcess> alive = fleet.workers().stream()
                                .filter(AppProcess::isAlive)
                                .toList();
                        if (alive.size() < 2) {
                            continue;
                        }
                        AppProcess victim =
                                alive.get(ThreadLocalRandom.current().nextInt(alive.size()));
                        int exit = victim.kill();
                        check(exit == SIGKILL_EXIT, victim.name() + " exited with " + exit + ", not by SIGKILL");
                        kills++;
                        victims.add(victim.name());
                        victim.launch();
                    }
                    for (AppProcess w : fleet.workers()) {
                        w.awaitReady();
                    }
                    check(kills >= 5, "only " + kills + " kills in " + window);
                    return kills + " kills (" + String.join(", ", victims) + "), each exit 137, each restarted";
                });
    }

    static Scenario brokerRestart() {
        return new Scenario(
                "broker-restart",
                "Broker restart",
                "SIGKILL the Kafka broker, restart it on the same data after 5 s",
                Duration.ofSeconds(5),
                (fleet, load, window) -> {
                    long pid = fleet.broker().pid();
                    fleet.broker().kill();
                    check(
                            ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) == false,
                            "broker still alive");
                    check(!accepts(fleet.broker().port()), "the broker's port still accepts connections");
                    Chaos.hold(window);
                    long t = System.nanoTime();
                    fleet.broker().start();
                    return String.format(
                            "broker (pid %d) killed, port %d refused connections; restarted on the same data in %d ms",
                            pid, fleet.broker().port(), (System.nanoTime() - t) / 1_000_000);
                });
    }

    static Scenario databaseRestart() {
        return new Scenario(
                "database-restart",
                "Database restart",
                "stop PostgreSQL (fast shutdown), 5 s down, start; 5 s later stop it again (immediate: SIGQUIT, no"
                        + " checkpoint, crash recovery at start), 5 s down, start",
                Duration.ofSeconds(5),
                (fleet, load, window) -> {
                    fleet.stopPostgresFast();
                    check(!connects(fleet), "PostgreSQL still accepts connections after the fast stop");
                    Chaos.hold(window);
                    fleet.startPostgresAgain();
                    Chaos.hold(window);
                    long pid = fleet.stopPostgresImmediate();
                    check(!connects(fleet), "PostgreSQL still accepts connections after the immediate stop");
                    Chaos.hold(window);
                    fleet.startPostgresAgain();
                    check(connects(fleet), "PostgreSQL not back");
                    return "fast stop, refused connections for " + window.toSeconds()
                            + " s, started; immediate stop (SIGQUIT to postmaster " + pid
                            + "), refused connections for "
                            + window.toSeconds() + " s, started (crash recovery)";
                });
    }

    static Scenario backendKill() {
        return new Scenario(
                "backend-kill",
                "Backend kill",
                "pg_terminate_backend on a random connection of the fleet (user jobfleet_app) every 200 ms, for 20 s",
                Duration.ofSeconds(20),
                (fleet, load, window) -> {
                    JdbcClient jdbc = JdbcClient.create(fleet.admin());
                    long end = System.nanoTime() + window.toNanos();
                    int terminated = 0;
                    int tries = 0;
                    while (System.nanoTime() < end) {
                        tries++;
                        Boolean done = jdbc.sql("""
                                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                                        WHERE usename = :user AND pid <> pg_backend_pid()
                                        ORDER BY random() LIMIT 1""")
                                .param("user", ChaosFleet.APP_ROLE)
                                .query(Boolean.class)
                                .optional()
                                .orElse(false);
                        if (Boolean.TRUE.equals(done)) {
                            terminated++;
                        }
                        Chaos.hold(Duration.ofMillis(200));
                    }
                    check(
                            terminated >= tries / 2,
                            "only " + terminated + " of " + tries + " attempts terminated a backend");
                    return terminated + " of the fleet's backends terminated in " + tries + " attempts ("
                            + String.format("%.1f", terminated / (double) window.toSeconds()) + "/s)";
                });
    }

    static Scenario duplicatesAndPoison() {
        return new Scenario(
                "duplicates-poison",
                "Duplicates and poison",
                "each Kafka-first event published 6 times instead of 2, and 10 poison records (undecodable bytes, bad"
                        + " ids, hostile types and values, a 200 kB payload, empty) every 2 s, for 20 s",
                Duration.ofSeconds(20),
                (fleet, load, window) -> {
                    String bootstrap = fleet.broker().bootstrapServers();
                    long dltBefore = endOffsets(bootstrap, Topics.DEAD_LETTER);
                    load.duplicates(6);
                    long poisonSent = 0;
                    try (KafkaProducer<String, byte[]> producer = producer(bootstrap)) {
                        long end = System.nanoTime() + window.toNanos();
                        while (System.nanoTime() < end) {
                            for (byte[] record : LoadDriver.poison()) {
                                producer.send(new ProducerRecord<>(
                                                Topics.JOBS, UUID.randomUUID().toString(), record))
                                        .get();
                                poisonSent++;
                            }
                            Chaos.hold(Duration.ofSeconds(2));
                        }
                    } finally {
                        load.duplicates(2);
                    }
                    // all but the 200 kB payload: a valid event, whose handler discards the job (DEAD)
                    long undecodable = poisonSent
                            / LoadDriver.poison().size()
                            * (LoadDriver.poison().size() - 1);
                    long deadline = System.currentTimeMillis() + 60_000;
                    long dlt = endOffsets(bootstrap, Topics.DEAD_LETTER) - dltBefore;
                    while (dlt < undecodable && System.currentTimeMillis() < deadline) {
                        Chaos.hold(Duration.ofMillis(500));
                        dlt = endOffsets(bootstrap, Topics.DEAD_LETTER) - dltBefore;
                    }
                    check(
                            dlt >= undecodable,
                            "only " + dlt + " records dead-lettered, " + undecodable + " undecodable or invalid sent");
                    return poisonSent + " poison records sent, " + dlt + " dead-lettered; " + load.kafkaCopies()
                            + " Kafka-first copies acknowledged so far";
                });
    }

    static Scenario heldTransaction() {
        return new Scenario(
                "held-transaction",
                "Held transaction",
                "a session holds a transaction with an xid open for 60 s (vacuum cannot reclaim what it might see)",
                Duration.ofSeconds(60),
                (fleet, load, window) -> {
                    try (Connection c = connect(fleet)) {
                        c.setAutoCommit(false);
                        long xid;
                        int pid;
                        try (Statement st = c.createStatement();
                                ResultSet rs = st.executeQuery("SELECT txid_current(), pg_backend_pid()")) {
                            rs.next();
                            xid = rs.getLong(1);
                            pid = rs.getInt(2);
                        }
                        long deadBefore = deadTuples(fleet);
                        Chaos.hold(window);
                        String xidNow = JdbcClient.create(fleet.admin())
                                .sql("SELECT backend_xid::text FROM pg_stat_activity WHERE pid = :pid")
                                .param("pid", pid)
                                .query(String.class)
                                .optional()
                                .orElse(null);
                        check(xidNow != null, "the held transaction (backend " + pid + ") had no xid at the end");
                        long deadAfter = deadTuples(fleet);
                        c.commit();
                        return "xid " + xid + " held " + window.toSeconds() + " s by backend " + pid
                                + "; dead tuples in jobs " + deadBefore + " -> " + deadAfter;
                    }
                });
    }

    static Scenario activeReaders() {
        return new Scenario(
                "active-readers",
                "Active readers",
                "four REPEATABLE READ sessions scan jobs, job_history and demo_execution in loops for 30 s",
                Duration.ofSeconds(30),
                (fleet, load, window) -> {
                    long end = System.nanoTime() + window.toNanos();
                    // a thread each (the common pool has one thread on 2 cores), all four at once
                    java.util.concurrent.CountDownLatch connected = new java.util.concurrent.CountDownLatch(4);
                    List<CompletableFuture<Long>> readers = new ArrayList<>();
                    try (var threads = java.util.concurrent.Executors.newFixedThreadPool(4)) {
                        for (int i = 0; i < 4; i++) {
                            readers.add(CompletableFuture.supplyAsync(() -> scanUntil(fleet, end, connected), threads));
                        }
                        List<Long> scans =
                                readers.stream().map(CompletableFuture::join).toList();
                        check(scans.stream().allMatch(n -> n > 0), "a reader never finished a scan: " + scans);
                        return "four REPEATABLE READ readers, all connected at once, finished " + scans
                                + " scans of the three tables";
                    }
                });
    }

    static Scenario poolPressure() {
        return new Scenario(
                "pool-pressure",
                "Pool pressure",
                "idle sessions hold all but 6 of the server's connections for 30 s",
                Duration.ofSeconds(30),
                (fleet, load, window) -> {
                    JdbcClient jdbc = JdbcClient.create(fleet.admin());
                    int max = jdbc.sql("SELECT setting::int FROM pg_settings WHERE name = 'max_connections'")
                            .query(Integer.class)
                            .single();
                    int used = jdbc.sql(
                                    "SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend'")
                            .query(Integer.class)
                            .single();
                    int toHold = max - used - 6;
                    check(toHold >= max / 2, "the fleet already uses " + used + " of " + max + " connections");
                    List<Connection> holding = new ArrayList<>();
                    try {
                        for (int i = 0; i < toHold; i++) {
                            holding.add(connect(fleet));
                        }
                        int inUse = jdbc.sql(
                                        "SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend'")
                                .query(Integer.class)
                                .single();
                        check(inUse >= max - 8, "only " + inUse + " of " + max + " connections in use");
                        Chaos.hold(window);
                        return toHold + " idle sessions held, " + inUse + " of max_connections " + max + " in use";
                    } finally {
                        for (Connection c : holding) {
                            c.close();
                        }
                    }
                });
    }

    static Scenario overload() {
        return new Scenario(
                "overload",
                "Overload",
                String.format(
                        "1.5 x the handlers' ceiling (%.0f jobs/s offered, ceiling %.0f) for 30 s, then back to %.0f",
                        1.5 * ScenarioRunner.CEILING, ScenarioRunner.CEILING, ScenarioRunner.BASE_RATE),
                Duration.ofSeconds(30),
                (fleet, load, window) -> {
                    long before = load.sent();
                    load.rate(1.5 * ScenarioRunner.CEILING);
                    Chaos.hold(window);
                    load.rate(ScenarioRunner.BASE_RATE);
                    double offered = (load.sent() - before) / (double) window.toSeconds();
                    check(offered > ScenarioRunner.CEILING, String.format("only %.0f jobs/s offered", offered));
                    return String.format("%.0f jobs/s offered for %d s", offered, window.toSeconds());
                });
    }

    static Scenario networkPartition() {
        return new Scenario(
                "network-partition",
                "Network partition",
                "the TCP proxy between worker-3 and PostgreSQL (not Kafka) stops moving bytes for 12 s, past the 3 s"
                        + " lease, then lets the held traffic through",
                Duration.ofSeconds(12),
                (fleet, load, window) -> {
                    AppProcess victim = fleet.proxiedWorker();
                    JdbcClient jdbc = JdbcClient.create(fleet.admin());
                    TcpProxy proxy = fleet.proxy();
                    Map<UUID, UUID> held = awaitHeldRuns(jdbc, victim.name());
                    long blockedBefore = proxy.blockedReads();
                    proxy.cut();
                    long cutAt = System.currentTimeMillis();
                    Chaos.hold(window);
                    // while cut: its runs were rescued by the others' reapers, and it did try to write
                    long rescued = rescuedFrom(jdbc, held);
                    long blocked = proxy.blockedReads() - blockedBefore;
                    long staleBefore = outcomesAfter(jdbc, victim.name(), held, cutAt);
                    proxy.heal();
                    long healedAt = System.currentTimeMillis();
                    fleet.partitioned(new ChaosFleet.Partition(victim.name(), healedAt));
                    check(victim.isAlive(), victim.name() + " died during the partition");
                    check(
                            blocked > 0,
                            victim.name() + " sent nothing across the cut: it was not cut off from anything");
                    check(
                            rescued > 0,
                            "none of the " + held.size() + " runs " + victim.name()
                                    + " held was rescued during the partition: it lasted less than the lease");
                    // what it held back lands now: none of its outcomes for the rescued runs may count
                    check(
                            awaitClaimBy(jdbc, victim.name(), healedAt, Duration.ofSeconds(30)),
                            victim.name() + " claimed nothing in the 30 s after the heal: its traffic did not resume");
                    long stale = outcomesAfter(jdbc, victim.name(), held, cutAt);
                    check(
                            stale == 0 && staleBefore == 0,
                            stale + " outcomes of " + victim.name()
                                    + " for runs rescued during the cut were written after it");
                    return String.format(
                            "%s cut off from PostgreSQL for %.1f s while holding %d runs: %d rescued by the other workers'"
                                    + " reapers, %d of its reads held at the cut, 0 outcomes of its rescued runs written after"
                                    + " the heal",
                            victim.name(), Chaos.seconds(cutAt, healedAt), held.size(), rescued, blocked);
                });
    }

    // ---- helpers ---------------------------------------------------------------------------

    /** The running jobs the worker holds (id -> claim token), waiting until it holds some. */
    private static Map<UUID, UUID> awaitHeldRuns(JdbcClient jdbc, String worker) {
        long deadline = System.currentTimeMillis() + 10_000;
        while (true) {
            Map<UUID, UUID> held = new java.util.HashMap<>();
            jdbc.sql("SELECT id, claim_token FROM jobs WHERE state = 'RUNNING' AND lease_owner = :w")
                    .param("w", worker)
                    .query((rs, n) -> held.put(rs.getObject(1, UUID.class), rs.getObject(2, UUID.class)))
                    .list();
            if (!held.isEmpty()) {
                return held;
            }
            check(System.currentTimeMillis() < deadline, worker + " held no running job for 10 s: nothing to cut");
            Chaos.hold(Duration.ofMillis(50));
        }
    }

    /** Wait until none of the cut runs is RUNNING under its old token; how many the reaper rescued. */
    private static long awaitCutRunsSettled(JdbcClient jdbc, Map<UUID, UUID> held) {
        String ids = ChaosAudit.array(held.keySet());
        long deadline = System.currentTimeMillis() + 30_000;
        while (true) {
            List<UUID> stillHeld = jdbc
                    .sql("SELECT id FROM jobs WHERE id IN (SELECT unnest(CAST(:ids AS uuid[])))"
                            + " AND state = 'RUNNING'")
                    .param("ids", ids)
                    .query(UUID.class)
                    .list()
                    .stream()
                    .filter(id -> held.get(id) != null)
                    .toList();
            long rescuedFromOld = jdbc.sql("SELECT count(*) FROM jobs WHERE id IN (SELECT unnest(CAST(:ids AS uuid[])))"
                            + " AND rescue_count > 0")
                    .param("ids", ids)
                    .query(Long.class)
                    .single();
            long stillOnOldToken = jdbc.sql(
                            "SELECT count(*) FROM jobs WHERE id IN (SELECT unnest(CAST(:ids AS uuid[])))"
                                    + " AND state = 'RUNNING' AND claim_token IN (SELECT unnest(CAST(:tokens AS uuid[])))")
                    .param("ids", ids)
                    .param("tokens", ChaosAudit.array(held.values()))
                    .query(Long.class)
                    .single();
            if (stillOnOldToken == 0) {
                return rescuedFromOld;
            }
            check(
                    System.currentTimeMillis() < deadline,
                    stillOnOldToken + " runs of the killed worker still RUNNING on their old claim 30 s on: "
                            + stillHeld);
            Chaos.hold(Duration.ofMillis(200));
        }
    }

    /** Whether {@code worker} claims a job after {@code millis}, within {@code within}. */
    private static boolean awaitClaimBy(JdbcClient jdbc, String worker, long millis, Duration within) {
        long deadline = System.currentTimeMillis() + within.toMillis();
        while (System.currentTimeMillis() < deadline) {
            long claims = jdbc.sql("SELECT count(*) FROM job_history WHERE to_state = 'RUNNING' AND actor = :worker"
                            + " AND at > to_timestamp(:t / 1000.0)")
                    .param("worker", worker)
                    .param("t", millis)
                    .query(Long.class)
                    .single();
            if (claims > 0) {
                return true;
            }
            Chaos.hold(Duration.ofMillis(200));
        }
        return false;
    }

    /** Of the held runs, how many the reaper rescued (a history row leaving RUNNING under their token, by a reaper). */
    private static long rescuedFrom(JdbcClient jdbc, Map<UUID, UUID> held) {
        return jdbc.sql("SELECT count(*) FROM job_history WHERE job_id IN (SELECT unnest(CAST(:ids AS uuid[])))"
                        + " AND claim_token IN (SELECT unnest(CAST(:tokens AS uuid[])))"
                        + " AND from_state = 'RUNNING' AND actor LIKE '%(reaper)'")
                .param("ids", ChaosAudit.array(held.keySet()))
                .param("tokens", ChaosAudit.array(held.values()))
                .query(Long.class)
                .single();
    }

    /** History rows by {@code worker} itself leaving RUNNING under the held runs' tokens after {@code millis}. */
    private static long outcomesAfter(JdbcClient jdbc, String worker, Map<UUID, UUID> held, long millis) {
        return jdbc.sql("SELECT count(*) FROM job_history WHERE job_id IN (SELECT unnest(CAST(:ids AS uuid[])))"
                        + " AND claim_token IN (SELECT unnest(CAST(:tokens AS uuid[])))"
                        + " AND from_state = 'RUNNING' AND actor = :worker AND at > to_timestamp(:t / 1000.0)")
                .param("ids", ChaosAudit.array(held.keySet()))
                .param("tokens", ChaosAudit.array(held.values()))
                .param("worker", worker)
                .param("t", millis)
                .query(Long.class)
                .single();
    }

    private static long scanUntil(ChaosFleet fleet, long endNanos, java.util.concurrent.CountDownLatch connected) {
        long scans = 0;
        try (Connection c = connect(fleet)) {
            c.setAutoCommit(false);
            c.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            connected.countDown();
            if (!connected.await(30, java.util.concurrent.TimeUnit.SECONDS)) {
                throw new IllegalStateException("the four readers did not all connect within 30 s");
            }
            while (System.nanoTime() < endNanos) {
                try (Statement st = c.createStatement()) {
                    for (String q : List.of(
                            "SELECT count(*), count(DISTINCT state), max(created_at) FROM jobs",
                            "SELECT count(*), max(at) FROM job_history",
                            "SELECT count(*), max(started_at) FROM demo_execution")) {
                        try (ResultSet rs = st.executeQuery(q)) {
                            rs.next();
                        }
                    }
                }
                c.commit();
                scans++;
            }
            return scans;
        } catch (SQLException e) {
            throw new IllegalStateException("a reader failed after " + scans + " scans", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("a reader was interrupted", e);
        }
    }

    private static long deadTuples(ChaosFleet fleet) {
        return JdbcClient.create(fleet.admin())
                .sql("SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'jobs'")
                .query(Long.class)
                .single();
    }

    private static Connection connect(ChaosFleet fleet) throws SQLException {
        return DriverManager.getConnection(fleet.postgresJdbcUrl(), LocalPostgres.USER, "");
    }

    private static boolean connects(ChaosFleet fleet) {
        try (Connection c = connect(fleet)) {
            return c.isValid(2);
        } catch (SQLException refused) {
            return false;
        }
    }

    private static boolean accepts(int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 1_000);
            return true;
        } catch (IOException refused) {
            return false;
        }
    }

    private static KafkaProducer<String, byte[]> producer(String bootstrap) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.CLIENT_ID_CONFIG, "chaos-poison");
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "1048576");
        return new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
    }

    /** Sum of a topic's end offsets over its partitions (0 if it does not exist yet). */
    private static long endOffsets(String bootstrap, String topic) throws Exception {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        try (Admin admin = Admin.create(props)) {
            if (!admin.listTopics().names().get().contains(topic)) {
                return 0;
            }
            int partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get()
                    .get(topic)
                    .partitions()
                    .size();
            Map<TopicPartition, OffsetSpec> specs = new java.util.HashMap<>();
            for (int p = 0; p < partitions; p++) {
                specs.put(new TopicPartition(topic, p), OffsetSpec.latest());
            }
            AtomicLong sum = new AtomicLong();
            admin.listOffsets(specs).all().get().values().forEach(o -> sum.addAndGet(o.offset()));
            return sum.get();
        }
    }

    private static void check(boolean condition, String message) {
        if (!condition) {
            throw new AssertionError(message);
        }
    }
}
