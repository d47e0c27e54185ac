package dev.jobfleet.worker;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.api.JobHandler;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Four real worker instances (Spring contexts, ids fleet-0 to fleet-3) on one test database and
 * one broker, started once for the test classes in {@link #USERS} ({@code
 * @ExtendWith(Fleet.Extension.class)} and a {@code Fleet} parameter) and closed after the last of
 * them, so that the fleet's database connections (the server is shared) are not held while other
 * tests run. Starting workers is the slow part of these tests; the build runs test classes in
 * alphabetical order in two JVMs, so the {@code Fleet*IT} classes run one after another in one or
 * both of them (a JVM that ran some of them closes its fleet when it ends). Each instance runs the demo handlers, the {@link #handlers} below,
 * concurrency {@value #CONCURRENCY}, fast chores, and the recurring schedule {@value #SCHEDULE}
 * (every second, {@code demo.noop}), declared in configuration as an operator would.
 */
final class Fleet implements AutoCloseable {
    static final int INSTANCES = 4;
    static final int CONCURRENCY = 8;
    static final String SCHEDULE = "every-second";
    static final String SCHEDULE_PAYLOAD = "{\"from\":\"schedule\"}";
    static final Duration AGING_STEP = Duration.ofMillis(200);
    static final Duration AGING_INTERVAL = Duration.ofMillis(100);
    /** The test classes that share the fleet; it closes when all that run have finished. */
    static final Set<Class<?>> USERS = Set.of(
            FleetChoresIT.class,
            FleetG4ConcurrencyLimitIT.class,
            FleetG5HandlerContextIT.class,
            FleetHandlerLockIT.class);

    final TestDatabase db;
    final TestBroker kafka;
    final JobRepository jobs;
    final List<ConfigurableApplicationContext> workers;
    final long startMillis;

    private Fleet() {
        long started = System.nanoTime();
        db = TestDatabase.create(6);
        kafka = TestBroker.start();
        jobs = new JobRepository(db.dataSource());
        workers = startAll(handlers(db));
        // tests of the fleet expect their jobs spread over the workers: not before every one holds a partition
        kafka.awaitGroupSpread("jobfleet-workers", INSTANCES);
        startMillis = (System.nanoTime() - started) / 1_000_000;
        System.out.printf("fleet of %d workers started in %d ms%n", INSTANCES, startMillis);
    }

    /** The test handlers every instance runs, by the test class that uses them. */
    private static List<JobHandler> handlers(TestDatabase db) {
        List<JobHandler> all = new ArrayList<>(FleetG5HandlerContextIT.handlers(db.dataSource()));
        all.addAll(FleetG4ConcurrencyLimitIT.handlers(db.dataSource()));
        all.addAll(FleetHandlerLockIT.handlers(db.dataSource()));
        return all;
    }

    private List<ConfigurableApplicationContext> startAll(List<? extends JobHandler> handlers) {
        ExecutorService starting = Executors.newFixedThreadPool(INSTANCES);
        try {
            List<Future<ConfigurableApplicationContext>> started = new ArrayList<>();
            for (int i = 0; i < INSTANCES; i++) {
                String id = "fleet-" + i;
                started.add(starting.submit(() -> WorkerApp.start(id, db, kafka, settings(), handlers)));
            }
            List<ConfigurableApplicationContext> all = new ArrayList<>();
            for (Future<ConfigurableApplicationContext> f : started) {
                all.add(f.get(3, TimeUnit.MINUTES));
            }
            return List.copyOf(all);
        } catch (Exception e) {
            throw new IllegalStateException("the fleet did not start", e);
        } finally {
            starting.shutdown();
        }
    }

    private static Map<String, String> settings() {
        return Map.ofEntries(
                Map.entry("spring.datasource.hikari.maximum-pool-size", "5"),
                Map.entry("spring.datasource.hikari.minimum-idle", "1"),
                Map.entry("jobfleet.worker.concurrency", String.valueOf(CONCURRENCY)),
                Map.entry("jobfleet.worker.poll-interval", "100ms"),
                Map.entry("jobfleet.worker.reaper-interval", "500ms"),
                Map.entry("jobfleet.worker.retry-promoter-interval", "500ms"),
                Map.entry("jobfleet.worker.aging.step", AGING_STEP.toMillis() + "ms"),
                Map.entry("jobfleet.worker.aging.interval", AGING_INTERVAL.toMillis() + "ms"),
                Map.entry("jobfleet.worker.schedules-interval", "200ms"),
                Map.entry("jobfleet.worker.schedules." + SCHEDULE + ".cron", "* * * * * *"),
                Map.entry("jobfleet.worker.schedules." + SCHEDULE + ".type", "demo.noop"),
                Map.entry("jobfleet.worker.schedules." + SCHEDULE + ".payload", SCHEDULE_PAYLOAD),
                Map.entry("jobfleet.worker.schedules." + SCHEDULE + ".priority", "2"));
    }

    @Override
    public void close() {
        workers.forEach(ConfigurableApplicationContext::close);
        kafka.close();
        db.close();
    }

    /**
     * Hands the fleet to the test classes of {@link #USERS} and closes it once each of them that
     * asked for it has finished (or, in a run of a subset, when the run ends).
     */
    static final class Extension implements ParameterResolver, AfterAllCallback {
        private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(Fleet.class);
        private static final Set<Class<?>> finished = ConcurrentHashMap.newKeySet();

        @Override
        public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
            return parameter.getParameter().getType() == Fleet.class;
        }

        @Override
        public Fleet resolveParameter(ParameterContext parameter, ExtensionContext context) {
            Class<?> user = context.getRequiredTestClass();
            if (!USERS.contains(user)) {
                throw new IllegalStateException(user + " uses the fleet but is not one of Fleet.USERS");
            }
            return context.getRoot().getStore(NAMESPACE).computeIfAbsent(Fleet.class, type -> new Fleet(), Fleet.class);
        }

        @Override
        public void afterAll(ExtensionContext context) {
            finished.add(context.getRequiredTestClass());
            if (finished.containsAll(USERS)) {
                Fleet fleet = context.getRoot().getStore(NAMESPACE).remove(Fleet.class, Fleet.class);
                if (fleet != null) {
                    fleet.close();
                }
            }
        }
    }
}
