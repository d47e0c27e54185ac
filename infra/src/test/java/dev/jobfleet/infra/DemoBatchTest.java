package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class DemoBatchTest {
    @Test
    void aThousandJobsAreMostlyNoops() {
        List<DemoBatch.Job> jobs = DemoBatch.plan(1_000);
        assertThat(jobs).hasSize(1_000);
        assertThat(DemoBatch.describe(jobs)).isEqualTo("50 demo.fail, 900 demo.noop, 50 demo.sleep");
        assertThat(jobs).extracting(DemoBatch.Job::type).allMatch(DemoBatch.TYPES::contains);
    }

    @Test
    void eachJobIsTheJsonThatPostJobsTakes() {
        assertThat(DemoBatch.plan(20))
                .extracting(DemoBatch.Job::json)
                .contains(
                        "{\"type\":\"demo.noop\",\"payload\":{}}",
                        "{\"type\":\"demo.sleep\",\"payload\":{\"ms\":50}}",
                        "{\"type\":\"demo.fail\",\"payload\":{\"times\":1}}");
    }
}
