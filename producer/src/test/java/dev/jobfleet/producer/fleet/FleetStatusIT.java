package dev.jobfleet.producer.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobState;
import dev.jobfleet.model.Topics;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.AttemptError;
import dev.jobfleet.store.Claim;
import dev.jobfleet.store.DashboardQueries;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RunOutcome;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.kafka.autoconfigure.KafkaConnectionDetails;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The fleet view on the real PostgreSQL and the embedded KRaft broker: lag is the broker's end
 * offset minus the group's commit, queue depth is what was submitted, and the text and HTML views
 * show the same numbers.
 */
@ApiIntegrationTest
class FleetStatusIT {
    private static final String GROUP = "jobfleet-workers";

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    KafkaConnectionDetails kafka;

    @Autowired
    JobRepository repository;

    @Autowired
    DataSource dataSource;

    @Test
    void lagPerPartitionIsTheEndOffsetMinusTheOffsetTheWorkersGroupCommitted() throws Exception {
        int published = 7;
        int consumed = 3;
        List<TopicPartition> partitions = partitions();
        TopicPartition target = partitions.getLast();
        long first = publish(target, published);
        Map<TopicPartition, Long> end = endOffsets(partitions);
        Map<TopicPartition, OffsetAndMetadata> commits = new HashMap<>();
        end.forEach((tp, offset) -> commits.put(tp, new OffsetAndMetadata(offset)));
        commits.put(target, new OffsetAndMetadata(first + consumed));
        commit(GROUP, commits);

        JsonNode lag = new HttpApi(port).get("/fleet/status").json().get("consumerLag");

        System.out.printf("fleet status lag after %d records, %d committed: %s%n", published, consumed, lag);
        assertThat(lag.get("known").booleanValue()).isTrue();
        assertThat(lag.get("group").stringValue()).isEqualTo(GROUP);
        assertThat(lag.get("topic").stringValue()).isEqualTo(Topics.JOBS);
        assertThat(lag.get("groupState").stringValue()).isEqualTo("EMPTY");
        assertThat(lag.get("members").intValue()).isZero();
        assertThat(lag.get("total").longValue()).isEqualTo(published - consumed);
        JsonNode rows = lag.get("partitions");
        assertThat(rows.size()).isEqualTo(partitions.size());
        for (JsonNode row : rows) {
            TopicPartition tp =
                    new TopicPartition(Topics.JOBS, row.get("partition").intValue());
            assertThat(row.get("end").longValue()).isEqualTo(end.get(tp));
            if (tp.equals(target)) {
                assertThat(row.get("end").longValue()).isEqualTo(first + published);
                assertThat(row.get("committed").longValue()).isEqualTo(first + consumed);
                assertThat(row.get("lag").longValue()).isEqualTo(published - consumed);
            } else {
                assertThat(row.get("committed").longValue()).isEqualTo(end.get(tp));
                assertThat(row.get("lag").longValue()).isZero();
            }
            assertThat(row.get("owner").isNull()).isTrue();
        }
    }

    @Test
    void aGroupWithoutCommitsLagsFromTheLogStartAndALiveMemberIsNamedAsItsPartitionsOwner() {
        String group = "fleet-view-" + UUID.randomUUID();
        List<TopicPartition> partitions = partitions();
        publish(partitions.getFirst(), 2);
        Map<TopicPartition, Long> end = endOffsets(partitions);
        try (ConsumerLagReader reader = new ConsumerLagReader(adminConfig(), Duration.ofSeconds(5));
                KafkaConsumer<String, byte[]> member = consumer(group, "fleet-view-member")) {
            ConsumerLag none = reader.read(group, Topics.JOBS);

            assertThat(none.known()).isTrue();
            assertThat(none.groupState()).isEqualTo("DEAD");
            assertThat(none.partitions())
                    .allSatisfy(p -> assertThat(p.committed()).isNull())
                    .allSatisfy(p -> assertThat(p.lag())
                            .isEqualTo(end.get(new TopicPartition(Topics.JOBS, p.partition())) - p.start()));
            assertThat(none.total())
                    .isEqualTo(end.values().stream().mapToLong(Long::longValue).sum());

            member.subscribe(List.of(Topics.JOBS));
            await().atMost(Duration.ofSeconds(30)).until(() -> {
                member.poll(Duration.ofMillis(100));
                return member.assignment().size() == partitions.size();
            });
            ConsumerLag live = reader.read(group, Topics.JOBS);

            assertThat(live.groupState()).isEqualTo("STABLE");
            assertThat(live.members()).isOne();
            assertThat(live.partitions())
                    .allSatisfy(p -> assertThat(p.owner()).isEqualTo("fleet-view-member"))
                    .allSatisfy(p -> assertThat(p.host()).isNotBlank());
        }
    }

    @Test
    void queueDepthCountsTheSubmittedJobsPerStateAndTypeAndTheDeadOnes() {
        HttpApi api = new HttpApi(port);
        long deadBefore = api.get("/fleet/status").json().get("deadJobs").longValue();
        String type = "fleet.depth-" + UUID.randomUUID().toString().substring(0, 8);
        List<UUID> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(api.post("/jobs", "{\"type\": \"" + type + "\"}").id());
        }
        assertThat(api.post("/jobs/" + ids.get(0) + "/cancel").status()).isEqualTo(200);
        assertThat(api.post("/jobs/" + ids.get(1) + "/cancel").status()).isEqualTo(200);
        kill(ids.get(2), type);

        JsonNode status = api.get("/fleet/status").json();

        JsonNode row = typeRow(status, type);
        assertThat(row.get("counts").get("PENDING").longValue()).isEqualTo(2);
        assertThat(row.get("counts").get("CANCELLED").longValue()).isEqualTo(2);
        assertThat(row.get("counts").get("DEAD").longValue()).isEqualTo(1);
        assertThat(row.get("counts").get("RUNNING").longValue()).isZero();
        assertThat(row.get("total").longValue()).isEqualTo(5);
        assertThat(status.get("deadJobs").longValue()).isEqualTo(deadBefore + 1);
        assertThat(status.get("queue").get("byState").get("DEAD").longValue()).isEqualTo(deadBefore + 1);
        assertThat(status.get("queue").get("total").longValue())
                .isEqualTo(TableCounts.of(dataSource).jobs());
        assertThat(status.get("outboxBacklog").longValue())
                .isEqualTo(TableCounts.of(dataSource).outbox());
        assertThat(status.get("oldestDuePendingAgeSeconds").doubleValue()).isPositive();
    }

    @Test
    void plainTextIsAnAlignedTableForCurl() {
        HttpApi api = new HttpApi(port);
        String type = "fleet.text-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < 12; i++) {
            api.post("/jobs", "{\"type\": \"" + type + "\"}");
        }

        HttpApi.Response byAccept = api.send(api.request("/fleet/status").header("Accept", "text/plain"));
        HttpApi.Response byParameter = api.get("/fleet/status?format=text");
        HttpApi.Response byDefault = api.send(api.request("/fleet/status").header("Accept", "*/*"));
        HttpApi.Response badFormat = api.get("/fleet/status?format=yaml");

        System.out.println("GET /fleet/status (Accept: text/plain):\n" + byAccept.body());
        assertThat(byAccept.status()).isEqualTo(200);
        assertThat(byAccept.contentType()).startsWith("text/plain");
        assertThat(byParameter.contentType()).startsWith("text/plain");
        assertThat(byDefault.contentType()).startsWith("application/json");
        assertThat(badFormat.status()).isEqualTo(400);
        assertThat(badFormat.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("format");
        List<String> lines = byAccept.body().lines().toList();
        assertThat(lines.getFirst()).startsWith("jobfleet fleet status at ");
        assertThat(lines).anyMatch(l -> l.startsWith("CONSUMER LAG  group jobfleet-workers on jobfleet.jobs: "));
        String lagHeader = line(lines, "PARTITION");
        assertThat(lagHeader).matches("PARTITION +COMMITTED +END +LAG +OWNER +HOST");
        assertThat(lines.stream().filter(l -> l.matches(" +\\d+ .*")).count())
                .isEqualTo(partitions().size());
        String header = line(lines, "TYPE");
        assertThat(header).matches("TYPE +PENDING +RUNNING +SUCCEEDED +RETRY_SCHEDULED +DEAD +CANCELLED +TOTAL");
        String row = line(lines, type);
        assertThat(row.split(" +")).containsExactly(type, "12", "0", "0", "0", "0", "0", "12");
        // the pending count ends under the end of its header (search past the type: a random type may hold "12")
        assertThat(row.indexOf(" 12", type.length()) + 3).isEqualTo(header.indexOf("PENDING") + "PENDING".length());
        assertThat(row.length()).isEqualTo(header.length());
        assertThat(lines).allSatisfy(l -> assertThat(l).isEqualTo(l.stripTrailing()));
        assertThat(byAccept.body()).containsPattern("outbox backlog \\(rows\\) +\\d+\n");
    }

    @Test
    void theFleetPageShowsTheSameTablesAndLoadsItsScriptFromAFile() {
        HttpApi api = new HttpApi(port);
        String type = "fleet.page-" + UUID.randomUUID().toString().substring(0, 8);
        api.post("/jobs", "{\"type\": \"" + type + "\"}");

        HttpApi.Response page = api.send(api.request("/fleet").header("Accept", "text/html"));

        assertThat(page.status()).isEqualTo(200);
        assertThat(page.contentType()).startsWith("text/html");
        assertThat(page.body())
                .startsWith("<!DOCTYPE html>")
                .contains("<script src=\"fleet/dashboard.js\" defer></script>")
                .contains("data-operator=\"true\"")
                .contains("group jobfleet-workers on jobfleet.jobs: ")
                .contains("<th>partition</th>")
                .contains("<td class=\"l\">" + type + "</td><td>1</td>")
                .contains("href=\"fleet/status?format=text\"")
                .doesNotContain("<script>");
        assertThat(page.header("Content-Security-Policy")).contains("script-src 'self'");
        assertThat(api.get("/fleet/dashboard.js").status()).isEqualTo(200);
    }

    @Test
    void theOutboxMetricsTheDashboardQueriesAreExportedByTheProducer() {
        Set<String> outbox = DashboardQueries.metricNames().stream()
                .filter(name -> name.startsWith("jobfleet_outbox_"))
                .collect(Collectors.toSet());
        assertThat(outbox).as("the dashboard shows the outbox").isNotEmpty();

        String scrape =
                new HttpApi(managementPort).as(null).get("/actuator/prometheus").body();

        assertThat(outbox)
                .allSatisfy(name -> assertThat(DashboardQueries.hasSample(scrape, name))
                        .as("%s in the producer's /actuator/prometheus", name)
                        .isTrue());
    }

    private void kill(UUID id, String type) {
        List<Claim> claims = repository.claim(List.of(id), List.of(type), "fleet-test", Duration.ofMinutes(1));
        assertThat(claims).hasSize(1);
        Map<UUID, JobState> finished = repository.finish(
                List.of(RunOutcome.dead(id, claims.getFirst().token(), AttemptError.of(1, "fleet test"))),
                "fleet-test");
        assertThat(finished).containsEntry(id, JobState.DEAD);
    }

    private static JsonNode typeRow(JsonNode status, String type) {
        for (JsonNode row : status.get("queue").get("byType")) {
            if (row.get("type").stringValue().equals(type)) {
                return row;
            }
        }
        throw new AssertionError("no row for " + type + " in " + status);
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line starts with '" + prefix + "' in " + lines));
    }

    private Map<String, Object> adminConfig() {
        return Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
    }

    private List<TopicPartition> partitions() {
        try (Admin admin = Admin.create(adminConfig())) {
            return admin
                    .describeTopics(List.of(Topics.JOBS))
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .get(Topics.JOBS)
                    .partitions()
                    .stream()
                    .map(p -> new TopicPartition(Topics.JOBS, p.partition()))
                    .sorted((a, b) -> Integer.compare(a.partition(), b.partition()))
                    .toList();
        } catch (Exception e) {
            throw new IllegalStateException("cannot describe " + Topics.JOBS, e);
        }
    }

    private Map<TopicPartition, Long> endOffsets(List<TopicPartition> partitions) {
        try (Admin admin = Admin.create(adminConfig())) {
            return admin
                    .listOffsets(partitions.stream().collect(Collectors.toMap(tp -> tp, tp -> OffsetSpec.latest())))
                    .all()
                    .get(30, TimeUnit.SECONDS)
                    .entrySet()
                    .stream()
                    .collect(Collectors.toMap(
                            Map.Entry::getKey, e -> e.getValue().offset()));
        } catch (Exception e) {
            throw new IllegalStateException("cannot list the end offsets of " + partitions, e);
        }
    }

    /** Publishes {@code count} records to one partition; returns the offset of the first. */
    private long publish(TopicPartition partition, int count) {
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(
                Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers(), ProducerConfig.ACKS_CONFIG, "all"),
                new StringSerializer(),
                new ByteArraySerializer())) {
            long first = -1;
            for (int i = 0; i < count; i++) {
                RecordMetadata sent = producer.send(new ProducerRecord<>(
                                partition.topic(),
                                partition.partition(),
                                "fleet-" + i,
                                "{}".getBytes(StandardCharsets.UTF_8)))
                        .get(30, TimeUnit.SECONDS);
                first = first < 0 ? sent.offset() : first;
            }
            return first;
        } catch (Exception e) {
            throw new IllegalStateException("cannot publish to " + partition, e);
        }
    }

    /** Commits offsets for {@code group} the way a consumer does, without joining the group. */
    private void commit(String group, Map<TopicPartition, OffsetAndMetadata> offsets) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(group, "fleet-test-committer")) {
            consumer.assign(offsets.keySet());
            consumer.commitSync(offsets, Duration.ofSeconds(30));
        }
    }

    private KafkaConsumer<String, byte[]> consumer(String group, String clientId) {
        return new KafkaConsumer<>(
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        bootstrapServers(),
                        ConsumerConfig.GROUP_ID_CONFIG,
                        group,
                        ConsumerConfig.CLIENT_ID_CONFIG,
                        clientId,
                        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG,
                        false),
                new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    private String bootstrapServers() {
        return String.join(",", kafka.getBootstrapServers());
    }
}
