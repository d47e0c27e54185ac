package dev.jobfleet.producer.api.schedules;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.api.Problem;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** Creating, replacing, reading and removing recurring schedules; one job per tick is the store's RecurringJobsIT. */
@ApiIntegrationTest
class ScheduleApiIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    private HttpApi api;
    private String name;

    @BeforeEach
    void setUp() {
        api = new HttpApi(port);
        name = "nightly." + UUID.randomUUID().toString().substring(0, 8);
    }

    @Test
    void putCreatesAndReplacesAScheduleThatListsReadsAndDeletes() {
        TableCounts before = TableCounts.of(dataSource);
        Instant start = Instant.now();

        HttpApi.Response created = api.put(
                "/schedules/" + name,
                "{\"cron\": \"0 */5 * * * *\", \"type\": \"report.build\", \"payload\": {\"kind\": \"daily\"}}");

        assertThat(created.status()).as(created.toString()).isEqualTo(200);
        JsonNode schedule = created.json();
        assertThat(schedule.get("name").stringValue()).isEqualTo(name);
        assertThat(schedule.get("zone").stringValue()).isEqualTo("UTC");
        assertThat(schedule.get("priority").intValue()).isZero();
        assertThat(schedule.get("enabled").booleanValue()).isTrue();
        assertThat(schedule.get("payload").get("kind").stringValue()).isEqualTo("daily");
        Instant nextTick = Instant.parse(schedule.get("nextTick").stringValue());
        assertThat(nextTick).isAfter(start.minusSeconds(5)).isBefore(start.plusSeconds(5 * 60 + 5));
        assertThat(nextTick.getEpochSecond() % 300).as("on a 5-minute boundary").isZero();
        assertThat(TableCounts.of(dataSource))
                .as("one schedule and no job yet")
                .isEqualTo(new TableCounts(
                        before.jobs(),
                        before.history(),
                        before.outbox(),
                        before.batches(),
                        before.limits(),
                        before.slots(),
                        before.schedules() + 1));

        HttpApi.Response replaced = api.put(
                "/schedules/" + name,
                "{\"cron\": \"0 30 9 * * MON-FRI\", \"zone\": \"Europe/Berlin\", \"type\": \"report.build\","
                        + " \"priority\": 4, \"enabled\": false}");

        assertThat(replaced.status()).as(replaced.toString()).isEqualTo(200);
        assertThat(replaced.json().get("enabled").booleanValue()).isFalse();
        assertThat(replaced.json().get("priority").intValue()).isEqualTo(4);
        assertThat(replaced.json().get("payload").isEmpty())
                .as("PUT replaces: the payload is gone")
                .isTrue();
        ZonedDateTime berlin =
                Instant.parse(replaced.json().get("nextTick").stringValue()).atZone(ZoneId.of("Europe/Berlin"));
        assertThat(berlin.getHour()).isEqualTo(9);
        assertThat(berlin.getMinute()).isEqualTo(30);
        assertThat(TableCounts.of(dataSource).schedules()).isEqualTo(before.schedules() + 1);

        assertThat(api.get("/schedules")
                        .json()
                        .get("schedules")
                        .valueStream()
                        .map(s -> s.get("name").stringValue()))
                .contains(name);
        assertThat(api.get("/schedules/" + name).json().get("cron").stringValue())
                .isEqualTo("0 30 9 * * MON-FRI");

        assertThat(api.delete("/schedules/" + name).status()).isEqualTo(204);
        HttpApi.Response gone = api.get("/schedules/" + name);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.json().get("type").stringValue()).isEqualTo(Problem.BASE + "schedule-not-found");
        assertThat(gone.json().get("errors").get(0).get("field").stringValue()).isEqualTo("name");
        assertThat(api.delete("/schedules/" + name).status()).isEqualTo(404);
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
    }
}
