package dev.jobfleet.producer.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.JobState;
import dev.jobfleet.producer.api.ProblemException;
import dev.jobfleet.store.DashboardQueries;
import dev.jobfleet.store.QueueDepth;
import java.time.Instant;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The pure parts of the fleet view: format choice, the text tables, the dashboard's PromQL names. */
class FleetFormatsTest {

    @Test
    void textOnlyWhenAskedByNameOrPreferredInAccept() {
        assertThat(FleetStatusController.wantsText("text", null)).isTrue();
        assertThat(FleetStatusController.wantsText("TEXT", "application/json")).isTrue();
        assertThat(FleetStatusController.wantsText("json", "text/plain")).isFalse();
        assertThat(FleetStatusController.wantsText(null, "text/plain")).isTrue();
        assertThat(FleetStatusController.wantsText(null, "text/plain, */*")).isTrue();
        assertThat(FleetStatusController.wantsText(null, "application/json, text/plain;q=0.5"))
                .isFalse();
        assertThat(FleetStatusController.wantsText(null, "*/*")).isFalse();
        assertThat(FleetStatusController.wantsText(null, "text/html,application/xhtml+xml,*/*;q=0.8"))
                .isFalse();
        assertThat(FleetStatusController.wantsText(null, null)).isFalse();
        assertThat(FleetStatusController.wantsText(null, "not a media type")).isFalse();
        assertThatThrownBy(() -> FleetStatusController.wantsText("yaml", null))
                .isInstanceOf(ProblemException.class)
                .hasMessageContaining("format must be json or text");
    }

    @Test
    void textTablesAlignNumbersUnderTheirHeadersWithoutTrailingBlanks() {
        ConsumerLag lag = ConsumerLag.of(
                "jobfleet-workers",
                "jobfleet.jobs",
                "STABLE",
                1,
                List.of(
                        PartitionLag.of(0, 1200L, 0, 1234, "worker-a", "10.0.0.7"),
                        PartitionLag.of(1, null, 5, 9, null, null)));
        QueueView queue = QueueView.of(List.of(
                new QueueDepth(JobState.PENDING, "email.send", 12),
                new QueueDepth(JobState.SUCCEEDED, "email.send", 30_000),
                new QueueDepth(JobState.DEAD, "a", 2)));

        String text = FleetText.render(FleetStatus.of(Instant.parse("2030-01-01T00:00:00Z"), lag, queue, 3.25, 7));

        List<String> lines = text.lines().toList();
        assertThat(lines).allSatisfy(line -> assertThat(line).isEqualTo(line.stripTrailing()));
        assertThat(text).contains("group jobfleet-workers on jobfleet.jobs: 38 records behind, group STABLE, 1 member");
        String lagHeader = line(lines, "PARTITION");
        assertThat(endOf(line(lines, "        0"), "34")).isEqualTo(endOf(lagHeader, "LAG"));
        assertThat(endOf(line(lines, "        1"), "4")).isEqualTo(endOf(lagHeader, "LAG"));
        assertThat(line(lines, "        1")).contains(" -  ").endsWith("-");
        assertThat(endOf(line(lines, "    total"), "38")).isEqualTo(endOf(lagHeader, "LAG"));
        String queueHeader = line(lines, "TYPE");
        String email = line(lines, "email.send");
        assertThat(endOf(email, "30000")).isEqualTo(endOf(queueHeader, "SUCCEEDED"));
        assertThat(endOf(email, "30012")).isEqualTo(endOf(queueHeader, "TOTAL"));
        assertThat(endOf(line(lines, "all types"), "30014")).isEqualTo(endOf(queueHeader, "TOTAL"));
        assertThat(text).containsPattern("dead jobs +2\n").containsPattern("oldest due pending job \\(s\\) +3\\.3");
    }

    @Test
    void unknownLagSaysWhyAndPrintsNoPartitionTable() {
        ConsumerLag lag = ConsumerLag.unknown("g", "jobfleet.jobs", "Kafka did not answer within 2s");

        String text = FleetText.render(FleetStatus.of(Instant.EPOCH, lag, QueueView.of(List.of()), 0, 0));

        assertThat(text)
                .contains("CONSUMER LAG  group g on jobfleet.jobs: lag unknown (Kafka did not answer within 2s)")
                .doesNotContain("PARTITION")
                .containsPattern("consumer lag \\(records\\) +unknown");
    }

    @Test
    void promqlNamesAreMetricsNotFunctionsLabelsOrVariables() {
        assertThat(DashboardQueries.metricNames("histogram_quantile(0.99, sum by (le, type)"
                        + " (rate(jobfleet_run_latency_seconds_bucket{type=~\"$type\"}[$__rate_interval])))"))
                .containsExactly("jobfleet_run_latency_seconds_bucket");
        assertThat(DashboardQueries.metricNames("sum(max by (partition) (kafka_consumer_fetch_manager_records_lag"
                        + "{topic=\"jobfleet.jobs\"})) / on() group_left count(up) offset 5m"))
                .containsExactly("kafka_consumer_fetch_manager_records_lag", "up");
        assertThat(DashboardQueries.metricNames("sum(rate(a_total[5m])) / sum(rate(b_total[5m])) > 1e3"))
                .containsExactly("a_total", "b_total");
    }

    private static String line(List<String> lines, String prefix) {
        return lines.stream()
                .filter(l -> l.startsWith(prefix))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no line starts with '" + prefix + "' in " + lines));
    }

    /** The column just after the first occurrence of {@code token} as a whole word. */
    private static int endOf(String line, String token) {
        Matcher m = Pattern.compile("(?<![\\w.])" + Pattern.quote(token) + "(?![\\w.])")
                .matcher(line);
        assertThat(m.find()).as("'%s' in '%s'", token, line).isTrue();
        return m.end();
    }
}
