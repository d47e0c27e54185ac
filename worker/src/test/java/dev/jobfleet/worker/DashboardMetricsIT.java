package dev.jobfleet.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.JobIds;
import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.DashboardQueries;
import dev.jobfleet.store.DashboardQueries.Sample;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.TestDatabase;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Keeps the Grafana dashboard ({@code infra/grafana/jobfleet.json}) honest: a real worker runs
 * jobs that succeed, retry, get dead-lettered and get rescued, and every metric name the
 * dashboard's queries use has a sample on its {@code /actuator/prometheus}. The producer's outbox
 * metrics ({@code jobfleet_outbox_*}) are checked by the producer's {@code FleetStatusIT}.
 *
 * <p>The per-partition {@code kafka_consumer_fetch_manager_records_lag} appears only when the
 * Kafka binder refreshes its list of client metrics after the assignment: every 5 s on the worker
 * ({@code ConsumerMetrics}; Micrometer's default, 60 s, kept this test waiting a minute).
 */
class DashboardMetricsIT {
    private static final String UNHANDLED = "dashboard.unhandled";

    private static TestDatabase db;
    private static JobRepository jobs;
    private static TestBroker kafka;
    private static ConfigurableApplicationContext worker;

    @BeforeAll
    static void startWorker() {
        db = TestDatabase.create(2);
        jobs = new JobRepository(db.dataSource());
        kafka = TestBroker.start();
        worker = WorkerApp.start(
                "dashboard-worker",
                db,
                kafka,
                Map.of(
                        "spring.datasource.hikari.maximum-pool-size", "5",
                        "jobfleet.worker.lease", "3s",
                        "jobfleet.worker.poll-interval", "200ms",
                        "jobfleet.worker.retry-promoter-interval", "200ms",
                        "jobfleet.worker.reaper-interval", "500ms",
                        "jobfleet.worker.backoff.base", "50ms",
                        "jobfleet.worker.backoff.max", "200ms"));
    }

    @AfterAll
    static void stopWorker() {
        if (worker != null) {
            worker.close();
        }
        if (kafka != null) {
            kafka.close();
        }
        if (db != null) {
            db.close();
        }
    }

    @Test
    void everyMetricTheDashboardQueriesHasASampleOnAWorkersPrometheusEndpoint() throws IOException {
        List<String> queries = DashboardQueries.queries().stream()
                .filter(query -> !query.contains("jobfleet_outbox_"))
                .toList();
        Set<String> wanted = new TreeSet<>();
        queries.forEach(query -> wanted.addAll(DashboardQueries.metricNames(query)));
        assertThat(wanted)
                .as("the dashboard's queries")
                .contains(
                        "kafka_consumer_fetch_manager_records_lag",
                        "jobfleet_queue_depth",
                        "jobfleet_queue_oldest_pending_age_seconds",
                        "jobfleet_claim_latency_seconds_bucket",
                        "jobfleet_run_latency_seconds_bucket",
                        "jobfleet_job_end_to_end_seconds_bucket",
                        "jobfleet_jobs_finished_total",
                        "jobfleet_dead_letters_total",
                        "jobfleet_rescues_total",
                        "jobfleet_jobs_lease_lost_total");
        assertThat(worker.getBean(org.springframework.kafka.core.DefaultKafkaConsumerFactory.class)
                        .getListeners())
                .as("Boot's 60-s metrics listener replaced by the worker's")
                .singleElement()
                .isInstanceOf(dev.jobfleet.worker.metrics.ConsumerMetrics.class);
        long started = System.nanoTime();

        UUID succeeds = JobIds.next();
        kafka.send(event(succeeds, "demo.noop", "{}", 3));
        UUID retries = JobIds.next();
        kafka.send(event(retries, "demo.fail", "{\"times\": 1}", 3));
        UUID dies = JobIds.next();
        kafka.send(event(dies, "demo.fail", "{\"times\": 5}", 1));
        // RUNNING for a few queue-depth refreshes, so that the RUNNING series exists
        UUID sleeps = JobIds.next();
        kafka.send(event(sleeps, "demo.sleep", "{\"ms\": 2000}", 3));
        kafka.send(new ProducerRecord<>(Topics.JOBS, "not-a-job", "not json".getBytes(StandardCharsets.UTF_8)));
        UUID rescued = abandonedRun();
        awaitState(succeeds, JobState.SUCCEEDED);
        awaitState(retries, JobState.SUCCEEDED);
        awaitState(dies, JobState.DEAD);
        awaitState(sleeps, JobState.SUCCEEDED);
        awaitState(rescued, JobState.PENDING);

        HttpClient http = HttpClient.newHttpClient();
        URI prometheus = URI.create("http://localhost:" + port() + "/actuator/prometheus");
        // bounded under the 60 s of Micrometer's default refresh, so this fails if the 5-s refresh is lost
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> {
                    List<Sample> samples = Sample.parse(
                            http.send(HttpRequest.newBuilder(prometheus).build(), HttpResponse.BodyHandlers.ofString())
                                    .body());
                    Set<String> missing = new TreeSet<>(wanted);
                    missing.removeIf(
                            name -> samples.stream().anyMatch(s -> s.name().equals(name)));
                    assertThat(missing)
                            .as("metric names the dashboard queries without a sample on the worker")
                            .isEmpty();
                    for (String query : queries) {
                        assertThat(DashboardQueries.selectors(query))
                                .as("selectors of %s", query)
                                .allSatisfy(selector -> assertThat(samples)
                                        .as("a sample for %s", selector)
                                        .anyMatch(selector::selects));
                        Set<String> labels = new TreeSet<>();
                        DashboardQueries.selectors(query)
                                .forEach(selector -> samples.stream()
                                        .filter(sample -> sample.name().equals(selector.metric()))
                                        .forEach(sample ->
                                                labels.addAll(sample.labels().keySet())));
                        assertThat(labels)
                                .as("labels of the series %s aggregates by", query)
                                .containsAll(DashboardQueries.groupingLabels(query));
                    }
                });
        System.out.printf(
                "dashboard: %d queries, %d worker metric names, every selector had a series %d s after the jobs"
                        + " were sent: %s%n",
                queries.size(),
                wanted.size(),
                Duration.ofNanos(System.nanoTime() - started).toSeconds(),
                wanted);
    }

    /**
     * A job of a type no worker handles, claimed by a worker that is gone at once (a lease of 1 ms):
     * the reaper rescues it, and it waits, due and pending.
     */
    private static UUID abandonedRun() {
        UUID id = jobs.submit(event(JobIds.next(), UNHANDLED, "{}", 3), "dashboard-test")
                .job()
                .id();
        assertThat(jobs.claim(List.of(id), List.of(UNHANDLED), "gone-worker", Duration.ofMillis(1)))
                .hasSize(1);
        return id;
    }

    private static void awaitState(UUID id, JobState state) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(50))
                .until(() -> jobs.find(id)
                        .map(job -> job.state() == state && job.leaseOwner() == null)
                        .orElse(false));
    }

    private static JobEvent event(UUID id, String type, String payload, int maxAttempts) {
        return new JobEvent(id, type, JobCodec.mapper().readTree(payload), null, null, maxAttempts, null, null);
    }

    private static int port() {
        return WorkerApp.managementPort(worker);
    }
}
