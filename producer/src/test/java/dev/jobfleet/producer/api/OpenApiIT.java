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
}
