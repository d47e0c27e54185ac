package dev.jobfleet.producer.api.limits;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.store.JobRepository;
import java.util.List;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.simple.JdbcClient;
import tools.jackson.databind.JsonNode;

/** Setting, reading and removing concurrency limits; the claim that enforces them is proven in the store (G4). */
@ApiIntegrationTest
class ConcurrencyLimitApiIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Autowired
    JobRepository repository;

    private HttpApi api;
    private String key;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        key = "tenant-" + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void setReadChangeAndRemoveALimit() {
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response set = api.put("/concurrency-limits/" + key, "{\"maxRunning\": 3}");

        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get("key").stringValue()).isEqualTo(key);
        assertThat(set.json().get("maxRunning").intValue()).isEqualTo(3);
        assertThat(set.json().get("running").longValue()).isZero();
        assertThat(set.json().get("updatedAt").isNull()).isFalse();
        assertThat(slots()).as("one slot row per allowed run").isEqualTo(3);
        TableCounts afterSet = TableCounts.of(dataSource);
        assertThat(afterSet.limits()).isEqualTo(before.limits() + 1);
        assertThat(afterSet.slots()).isEqualTo(before.slots() + 3);

        String type = "limited." + key;
        UUID job = api.post("/jobs", "{\"type\": \"" + type + "\", \"concurrencyKey\": \"" + key + "\"}")
                .id();
        Runs.claim(repository, job, type);
        HttpApi.Response read = api.get("/concurrency-limits/" + key);
        assertThat(read.status()).isEqualTo(200);
        assertThat(read.json().get("running").longValue())
                .as("the claim took a slot")
                .isOne();

        HttpApi.Response raised = api.put("/concurrency-limits/" + key, "{\"maxRunning\": 10}");
        assertThat(raised.json().get("maxRunning").intValue()).isEqualTo(10);
        assertThat(raised.json().get("running").longValue()).isOne();
        assertThat(slots()).isEqualTo(10);
        HttpApi.Response lowered = api.put("/concurrency-limits/" + key, "{\"maxRunning\": 1}");
        assertThat(lowered.json().get("maxRunning").intValue()).isOne();
        assertThat(slots()).as("free slots above the limit go at once").isOne();

        HttpApi.Response deleted = api.delete("/concurrency-limits/" + key);
        assertThat(deleted.status()).isEqualTo(204);
        assertThat(deleted.body()).isEmpty();
        assertThat(slots()).isZero();
        assertThat(api.get("/jobs/" + job).json().get("state").stringValue())
                .as("a running job is not touched")
                .isEqualTo("RUNNING");
        HttpApi.Response gone = api.get("/concurrency-limits/" + key);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("type").stringValue()).isEqualTo(Problem.BASE + "concurrency-limit-not-found");
        assertThat(gone.json().get("errors").get(0).get("field").stringValue()).isEqualTo("key");
        TableCounts beforeSecondDelete = TableCounts.of(dataSource);
        assertThat(api.delete("/concurrency-limits/" + key).status()).isEqualTo(404);
        assertThat(TableCounts.of(dataSource)).isEqualTo(beforeSecondDelete);
    }

    @Test
    void aKeyWithCharactersThatNeedEncodingIsTheKeyAsDecoded() {
        String spaced = key + " eu:west";
        String path = "/concurrency-limits/" + key + "%20eu:west";

        HttpApi.Response set = api.put(path, "{\"maxRunning\": 2}");

        assertThat(set.status()).as(set.toString()).isEqualTo(200);
        assertThat(set.json().get("key").stringValue()).isEqualTo(spaced);
        JsonNode read = api.get(path).json();
        assertThat(read.get("maxRunning").intValue()).isEqualTo(2);
        assertThat(api.delete(path).status()).isEqualTo(204);
    }

    @Test
    void listShowsEveryLimitByKeyWithItsTakenSlots() {
        String first = key + "-a";
        String second = key + "-b";
        api.put("/concurrency-limits/" + second, "{\"maxRunning\": 5}");
        api.put("/concurrency-limits/" + first, "{\"maxRunning\": 2}");
        String type = "limited." + first;
        UUID job = api.post("/jobs", "{\"type\": \"" + type + "\", \"concurrencyKey\": \"" + first + "\"}")
                .id();
        Runs.claim(repository, job, type);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response list = api.get("/concurrency-limits");

        assertThat(list.status()).as(list.toString()).isEqualTo(200);
        List<JsonNode> ours = list.json()
                .get("limits")
                .valueStream()
                .filter(l -> l.get("key").stringValue().startsWith(key))
                .toList();
        assertThat(ours).extracting(l -> l.get("key").stringValue()).containsExactly(first, second);
        assertThat(ours).extracting(l -> l.get("maxRunning").intValue()).containsExactly(2, 5);
        assertThat(ours).extracting(l -> l.get("running").longValue()).containsExactly(1L, 0L);
        assertThat(TableCounts.of(dataSource)).as("a read changes nothing").isEqualTo(before);
    }

    private long slots() {
        return JdbcClient.create(dataSource)
                .sql("SELECT count(*) FROM concurrency_slot WHERE key = ?")
                .param(key)
                .query(Long.class)
                .single();
    }
}
