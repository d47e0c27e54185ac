package dev.jobfleet.worker.maintenance;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.Schedules;
import dev.jobfleet.store.TestDatabase;
import dev.jobfleet.worker.WorkerApplication;
import dev.jobfleet.worker.WorkerProperties.ScheduleSettings;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Schedules declared in configuration: written at startup, left alone when unchanged (so a
 * restart does not skip a due tick), and a wrong declaration fails startup naming its property.
 */
class DeclaredSchedulesIT {
    private static TestDatabase db;
    private static Schedules schedules;
    private static JdbcClient jdbc;

    @BeforeAll
    static void setUp() {
        db = TestDatabase.create(2);
        schedules = new Schedules(db.dataSource(), new JobRepository(db.dataSource()));
        jdbc = JdbcClient.create(db.dataSource());
    }

    @AfterAll
    static void tearDown() {
        db.close();
    }

    @Test
    void anUnchangedDeclarationKeepsItsDueTickAndAChangedOneMovesIt() {
        ScheduleSettings hourly = new ScheduleSettings("0 0 * * * *", "report.build", "{\"a\": 1}", 3, "UTC", true);
        new DeclaredSchedules(schedules, Map.of("hourly", hourly)).declareAll();
        // a tick came due while the pods restarted, and no instance has enqueued it yet
        jdbc.sql("UPDATE job_schedule SET next_tick = now() - interval '1 minute' WHERE name = 'hourly'")
                .update();
        Instant due = schedules.find("hourly").orElseThrow().nextTick();

        new DeclaredSchedules(schedules, Map.of("hourly", hourly)).declareAll();
        assertThat(schedules.find("hourly").orElseThrow().nextTick())
                .as("the restart keeps the due tick")
                .isEqualTo(due);

        ScheduleSettings changed = new ScheduleSettings("0 30 * * * *", "report.build", "{\"a\": 1}", 3, "UTC", true);
        new DeclaredSchedules(schedules, Map.of("hourly", changed)).declareAll();
        Schedules.Schedule updated = schedules.find("hourly").orElseThrow();
        assertThat(updated.cron()).isEqualTo("0 30 * * * *");
        assertThat(updated.nextTick()).isAfter(Instant.now());
        assertThat(updated.payload().get("a").asInt()).isEqualTo(1);
        assertThat(updated.priority()).isEqualTo(3);
    }

    @Test
    void aWrongDeclarationNamesItsProperty() {
        assertThatThrownBy(() ->
                        declare("bad-zone", new ScheduleSettings("* * * * * *", "x", null, 0, "Mars/Olympus", true)))
                .hasMessageStartingWith("jobfleet.worker.schedules.bad-zone.zone: ");
        assertThatThrownBy(() ->
                        declare("bad.type", new ScheduleSettings("* * * * * *", "no spaces", null, 0, "UTC", true)))
                .hasMessageStartingWith("jobfleet.worker.schedules[bad.type].type: ");
        assertThatThrownBy(
                        () -> declare("bad-payload", new ScheduleSettings("* * * * * *", "x", "{nope", 0, "UTC", true)))
                .hasMessageStartingWith("jobfleet.worker.schedules.bad-payload.payload: payload is not JSON");
        assertThatThrownBy(
                        () -> declare("bad-priority", new ScheduleSettings("* * * * * *", "x", null, 12, "UTC", true)))
                .hasMessageStartingWith("jobfleet.worker.schedules.bad-priority.priority: ");
        assertThat(schedules.list()).extracting(Schedules.Schedule::name).noneMatch(n -> n.startsWith("bad"));
    }

    @Test
    void aBadCronFailsTheWorkersStartupNamingTheProperty() {
        String[] args = {
            "--spring.datasource.url=" + db.url(),
            "--spring.datasource.username=" + db.user(),
            "--spring.datasource.hikari.maximum-pool-size=2",
            // startup fails before anything talks to Kafka
            "--spring.kafka.bootstrap-servers=127.0.0.1:1",
            "--server.port=0",
            "--jobfleet.worker.schedules.nightly.cron=every night",
            "--jobfleet.worker.schedules.nightly.type=report.build"
        };
        assertThatThrownBy(() -> new SpringApplicationBuilder(WorkerApplication.class).run(args))
                .hasStackTraceContaining("jobfleet.worker.schedules.nightly.cron: cron is not a cron expression");
        assertThat(schedules.find("nightly")).isEmpty();
    }

    private static void declare(String name, ScheduleSettings settings) {
        new DeclaredSchedules(schedules, Map.of(name, settings)).declareAll();
    }
}
