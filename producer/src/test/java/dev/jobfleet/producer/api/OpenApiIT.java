package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/** The app serves an OpenAPI document that describes its endpoints. */
@ApiIntegrationTest
class OpenApiIT {
    @LocalServerPort
    int port;

    @Test
    void apiDocsListTheJobEndpoints() {
        HttpApi.Response response = new HttpApi(port).get("/v3/api-docs");

        assertThat(response.status()).isEqualTo(200);
        JsonNode paths = response.json().get("paths");
        assertThat(paths.propertyNames()).contains("/jobs", "/jobs/{id}", "/jobs/{id}/cancel");
        assertThat(paths.get("/jobs").propertyNames()).contains("get", "post");
        assertThat(paths.get("/jobs/{id}").propertyNames()).contains("get");
        assertThat(paths.get("/jobs/{id}/cancel").propertyNames()).contains("post");
        JsonNode submit = paths.get("/jobs").get("post");
        assertThat(submit.get("responses").propertyNames()).contains("200", "201", "400", "413", "415", "422");
        assertThat(submit.get("requestBody").toString()).contains("SubmitJobRequest");
        JsonNode request = response.json().get("components").get("schemas").get("SubmitJobRequest");
        assertThat(request.get("properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(SubmitRequestReader.FIELDS);
        assertThat(request.get("required").valueStream().map(JsonNode::stringValue))
                .containsExactly("type");
        JsonNode schemas = response.json().get("components").get("schemas");
        assertThat(schemas.propertyNames())
                .contains("Job", "JobList", "HistoryEntry", "Problem")
                .doesNotContain("JsonNode");
        assertThat(schemas.get("Problem").get("properties").propertyNames())
                .contains("type", "title", "status", "detail", "instance", "errors");
        assertThat(schemas.get("Job")
                        .get("properties")
                        .get("errors")
                        .get("type")
                        .stringValue())
                .isEqualTo("array");
        assertThat(paths.get("/jobs").get("get").get("parameters").toString())
                .contains("\"state\"", "\"type\"", "\"limit\"");
    }

    @Test
    void apiDocsListEveryOtherResourceWithItsStatusesAndProblemBodies() {
        JsonNode docs = new HttpApi(port).get("/v3/api-docs").json();
        JsonNode paths = docs.get("paths");

        assertResponses(paths, "/jobs/{id}", "patch", "200", "400", "404", "409", "412", "413", "415", "428");
        assertResponses(paths, "/jobs/{id}/retry", "post", "200", "400", "404", "409");
        assertResponses(paths, "/jobs/{id}/logs", "get", "200", "400", "404");
        assertResponses(paths, "/jobs:batch", "post", "200", "400", "413", "415");
        assertResponses(paths, "/batches", "post", "201", "400", "413", "415");
        assertResponses(paths, "/batches/{id}", "get", "200", "400", "404");
        assertResponses(paths, "/concurrency-limits", "get", "200");
        assertResponses(paths, "/concurrency-limits/{key}", "put", "200", "400", "415");
        assertResponses(paths, "/concurrency-limits/{key}", "get", "200", "400", "404");
        assertResponses(paths, "/concurrency-limits/{key}", "delete", "204", "400", "404");
        assertResponses(paths, "/schedules", "get", "200");
        assertResponses(paths, "/schedules/{name}", "put", "200", "400", "413", "415");
        assertResponses(paths, "/schedules/{name}", "get", "200", "404");
        assertResponses(paths, "/schedules/{name}", "delete", "204", "404");
        assertThat(paths.get("/jobs/{id}")
                        .get("patch")
                        .get("requestBody")
                        .get("content")
                        .propertyNames())
                .containsExactlyInAnyOrder("application/merge-patch+json", "application/json");
        assertThat(paths.get("/jobs/{id}")
                        .get("get")
                        .get("responses")
                        .get("200")
                        .get("headers")
                        .propertyNames())
                .contains("ETag");
        assertThat(paths.get("/jobs")
                        .get("post")
                        .get("responses")
                        .get("200")
                        .get("headers")
                        .propertyNames())
                .contains(Duplicate.HEADER);

        JsonNode schemas = docs.get("components").get("schemas");
        assertThat(schemas.propertyNames())
                .contains(
                        "PatchJobRequest",
                        "BulkSubmitRequest",
                        "BulkSubmitResponse",
                        "BulkItemResult",
                        "ItemProblem",
                        "CreateBatchRequest",
                        "BatchChild",
                        "Batch",
                        "SetConcurrencyLimitRequest",
                        "ConcurrencyLimit",
                        "ScheduleRequest",
                        "Schedule",
                        "ScheduleList",
                        "JobLogs");
        assertThat(schemas.get("Job").get("properties").propertyNames())
                .contains(
                        "metadata",
                        "progress",
                        "counters",
                        "uniqueKey",
                        "orderKey",
                        "batchId",
                        "effectivePriority",
                        "version");
        assertThat(schemas.get("BatchChild").get("properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(SubmitRequestReader.CHILD_FIELDS);
        assertThat(schemas.get("PatchJobRequest").get("properties").propertyNames())
                .containsExactlyInAnyOrderElementsOf(PatchRequestReader.FIELDS);
    }

    /** The operation answers exactly these statuses, and each error status with a Problem body. */
    private static void assertResponses(JsonNode paths, String path, String method, String... statuses) {
        assertThat(paths.has(path)).as(path).isTrue();
        JsonNode responses = paths.get(path).get(method).get("responses");
        assertThat(responses.propertyNames()).as("%s %s", method, path).containsExactlyInAnyOrder(statuses);
        for (String status : statuses) {
            if (status.startsWith("4")) {
                assertThat(responses
                                .get(status)
                                .get("content")
                                .get("application/problem+json")
                                .toString())
                        .as("%s %s %s", method, path, status)
                        .contains("#/components/schemas/Problem");
            }
        }
    }
}
