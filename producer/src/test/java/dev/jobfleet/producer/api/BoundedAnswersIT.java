package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * What one request can make the producer hold or store stays bounded: {@code GET /jobs} answers
 * pages of summaries by keyset cursor (jobs submitted while a client pages neither repeat nor shift
 * a page), large parts only on request and within a byte budget; PATCH cannot grow metadata past
 * the limit by merging; the values PostgreSQL would refuse and the reserved idempotency keys are
 * field errors.
 */
@ApiIntegrationTest
class BoundedAnswersIT {
    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @Test
    void getJobsPagesByCursorWithSummariesAndAllJobsExactlyOnce() {
        HttpApi api = new HttpApi(port);
        String type = "paged." + UUID.randomUUID().toString().substring(0, 8);
        Set<String> submitted = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            submitted.add(api.post("/jobs", "{\"type\": \"" + type + "\", \"payload\": {\"i\": " + i + "}}")
                    .id()
                    .toString());
        }

        List<String> seen = new ArrayList<>();
        String next = "/jobs?type=" + type + "&limit=5";
        int pages = 0;
        while (next != null) {
            HttpApi.Response page = api.get(next);
            assertThat(page.status()).as(page.toString()).isEqualTo(200);
            JsonNode body = page.json();
            for (JsonNode job : body.get("jobs")) {
                seen.add(job.get("id").stringValue());
                assertThat(job.has("payload")).as("a summary has no payload").isFalse();
                assertThat(job.has("metadata")).isFalse();
                assertThat(job.has("errors")).isFalse();
            }
            if (pages == 0) {
                // submitted after the first page: it is newer, so it must not shift the pages that follow
                api.post("/jobs", "{\"type\": \"" + type + "\"}");
            }
            next = body.get("next").isNull() ? null : body.get("next").stringValue();
            if (next != null) {
                assertThat(page.header("Link")).isEqualTo("<" + next + ">; rel=\"next\"");
            }
            pages++;
        }

        assertThat(seen).hasSize(23).doesNotHaveDuplicates();
        assertThat(new HashSet<>(seen)).isEqualTo(submitted);
        assertThat(pages).isEqualTo(5);
        JsonNode withPayload = api.get("/jobs?type=" + type + "&limit=1&include=payload,metadata")
                .json()
                .get("jobs")
                .get(0);
        assertThat(withPayload.has("payload")).isTrue();
        assertThat(withPayload.has("metadata")).isTrue();
        assertThat(withPayload.has("errors")).isFalse();
        System.out.printf("GET /jobs: 23 jobs in %d pages of 5 by cursor, none repeated or missed%n", pages);
    }

    @Test
    void aPageEndsBeforeItsByteBudget() {
        HttpApi api = new HttpApi(port);
        String type = "budget." + UUID.randomUUID().toString().substring(0, 8);
        String big = "x".repeat(ApiIntegrationTest.MAX_PAYLOAD_BYTES - 100);
        for (int i = 0; i < 6; i++) {
            assertThat(api.post("/jobs", "{\"type\": \"" + type + "\", \"payload\": \"" + big + "\"}")
                            .status())
                    .isEqualTo(201);
        }
        // the test app's budget is 10 KiB (see below): two 4 KiB payloads fit, the third does not
        HttpApi.Response page = api.get("/jobs?type=" + type + "&limit=6&include=payload");
        JsonNode body = page.json();
        assertThat(body.get("jobs").size()).isBetween(1, 5);
        assertThat(body.get("next").isNull()).isFalse();
        assertThat(api.get("/jobs?type=" + type + "&limit=6").json().get("jobs").size())
                .as("summaries are small: all six fit")
                .isEqualTo(6);
    }

    @Test
    void patchCannotGrowMetadataPastTheLimitByMerging() {
        HttpApi api = new HttpApi(port);
        int half = ApiIntegrationTest.MAX_PAYLOAD_BYTES * 2 / 3;
        HttpApi.Response created =
                api.post("/jobs", "{\"type\": \"budget.patch\", \"metadata\": {\"a\": \"" + "a".repeat(half) + "\"}}");
        assertThat(created.status()).isEqualTo(201);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response patched = api.patch(
                "/jobs/" + created.id(),
                "{\"metadata\": {\"b\": \"" + "b".repeat(half) + "\"}}",
                "If-Match",
                api.get("/jobs/" + created.id()).header("ETag"));

        assertThat(patched.status()).as(patched.toString()).isEqualTo(413);
        assertThat(patched.json().get("errors").get(0).get("field").stringValue())
                .isEqualTo("metadata");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        assertThat(api.get("/jobs/" + created.id()).json().get("metadata").has("b"))
                .isFalse();
    }

    @Test
    void valuesPostgresqlWouldRefuseAndReservedKeysAreFieldErrors() {
        HttpApi api = new HttpApi(port);
        TableCounts before = TableCounts.of(dataSource);

        HttpApi.Response nul = api.post("/jobs", "{\"type\": \"t\", \"payload\": {\"note\": \"a\\u0000b\"}}");
        HttpApi.Response surrogate = api.post("/jobs", "{\"type\": \"t\", \"metadata\": {\"k\": \"x\\ud800\"}}");
        HttpApi.Response number = api.post("/jobs", "{\"type\": \"t\", \"payload\": [1e-16384]}");
        HttpApi.Response reserved =
                api.post("/jobs", "{\"type\": \"t\"}", "Idempotency-Key", "schedule:nightly:1700000000");

        assertThat(List.of(nul, surrogate, number, reserved))
                .allSatisfy(r -> assertThat(r.status()).as(r.toString()).isEqualTo(400));
        assertThat(field(nul)).isEqualTo("payload.note");
        assertThat(field(surrogate)).isEqualTo("metadata.k");
        assertThat(field(number)).isEqualTo("payload[0]");
        assertThat(field(reserved)).isEqualTo("idempotencyKey");
        assertThat(reserved.json().get("errors").get(0).get("message").stringValue())
                .contains("schedule:");
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
    }

    private static String field(HttpApi.Response response) {
        return response.json().get("errors").get(0).get("field").stringValue();
    }
}
