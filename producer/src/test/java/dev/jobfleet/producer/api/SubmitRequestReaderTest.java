package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import tools.jackson.databind.JsonNode;

class SubmitRequestReaderTest {
    private final SubmitRequestReader reader = new SubmitRequestReader(64);

    @Test
    void readsEveryField() {
        SubmitJobRequest request = reader.read(json("""
                        {"type": "email.send", "payload": {"to": "ada"}, "idempotencyKey": "k-1", "priority": 3,
                         "runAt": "2030-01-01T09:30:00+02:00", "maxAttempts": 5, "concurrencyKey": "tenant-7"}
                        """), null);

        assertThat(request.type()).isEqualTo("email.send");
        assertThat(request.payload()).isEqualTo(json("{\"to\": \"ada\"}"));
        assertThat(request.idempotencyKey()).isEqualTo("k-1");
        assertThat(request.priority()).isEqualTo(3);
        assertThat(request.runAt()).isEqualTo(Instant.parse("2030-01-01T07:30:00Z"));
        assertThat(request.maxAttempts()).isEqualTo(5);
        assertThat(request.concurrencyKey()).isEqualTo("tenant-7");
    }

    @Test
    void readsTheSubmissionOptions() {
        SubmitJobRequest request = reader.read(json("""
                        {"type": "t", "uniqueKey": "rebuild:7", "orderKey": "account-7", "metadata": {"by": "ada"},
                         "uniqueStates": ["SUCCEEDED", "PENDING", "RUNNING", "RETRY_SCHEDULED", "PENDING"]}
                        """), null);

        assertThat(request.uniqueKey()).isEqualTo("rebuild:7");
        assertThat(request.uniqueStates())
                .containsExactlyInAnyOrder(
                        JobState.PENDING, JobState.RUNNING, JobState.RETRY_SCHEDULED, JobState.SUCCEEDED);
        assertThat(request.orderKey()).isEqualTo("account-7");
        assertThat(request.metadata()).isEqualTo(json("{\"by\": \"ada\"}"));
        assertThat(request.options().uniqueStates()).isEqualTo(request.uniqueStates());
    }

    @Test
    void aUniqueKeyWithoutStatesIsHeldWhileTheJobWaitsOrRuns() {
        SubmitJobRequest request = reader.read(json("{\"type\": \"t\", \"uniqueKey\": \"k\"}"), null);

        assertThat(request.uniqueStates()).isNull();
        assertThat(request.options().uniqueStates())
                .containsExactlyInAnyOrder(JobState.PENDING, JobState.RUNNING, JobState.RETRY_SCHEDULED);
    }

    @Test
    void anItemOfABulkRequestIsNamedByItsPath() {
        ProblemException refused = catchThrowableOfType(
                ProblemException.class,
                () -> reader.readItem(json("{\"type\": \"a b\", \"priority\": \"1\"}"), "jobs[4]"));

        assertThat(refused.errors())
                .extracting(FieldError::field)
                .containsExactlyInAnyOrder("jobs[4].type", "jobs[4].priority");
        ProblemException notAnObject =
                catchThrowableOfType(ProblemException.class, () -> reader.readItem(json("[]"), "jobs[0]"));
        assertThat(notAnObject.errors()).extracting(FieldError::field).containsExactly("jobs[0]");
    }

    @Test
    void aBatchChildMayNotCarryKeysOrMetadata() {
        List<FieldError> errors = new ArrayList<>();

        SubmitJobRequest child = reader.readChild(
                json("{\"type\": \"t\", \"idempotencyKey\": \"k\", \"uniqueKey\": \"u\", \"uniqueStates\": [],"
                        + " \"orderKey\": \"o\", \"metadata\": {}, \"colour\": 1}"),
                "jobs[2]",
                errors);

        assertThat(child).isNull();
        assertThat(errors)
                .extracting(FieldError::field)
                .contains(
                        "jobs[2].idempotencyKey",
                        "jobs[2].uniqueKey",
                        "jobs[2].uniqueStates",
                        "jobs[2].orderKey",
                        "jobs[2].metadata",
                        "jobs[2].colour");
        List<FieldError> none = new ArrayList<>();
        assertThat(reader.readChild(json("{\"type\": \"t\", \"priority\": 2}"), "jobs[0]", none)
                        .priority())
                .isEqualTo(2);
        assertThat(none).isEmpty();
    }

    @Test
    void onlyTypeIsRequiredAndThePayloadDefaultsToAnEmptyObject() {
        SubmitJobRequest request = reader.read(json("{\"type\": \"t\", \"payload\": null}"), null);

        assertThat(request.payload()).isEqualTo(json("{}"));
        assertThat(request.priority()).isNull();
        assertThat(request.runAt()).isNull();
        assertThat(request.idempotencyKey()).isNull();
    }

    @Test
    void theKeyComesFromTheHeaderOrTheFieldAndBothMayBeGivenIfEqual() {
        assertThat(reader.read(json("{\"type\": \"t\"}"), "h").idempotencyKey()).isEqualTo("h");
        assertThat(reader.read(json("{\"type\": \"t\", \"idempotencyKey\": \"k\"}"), null)
                        .idempotencyKey())
                .isEqualTo("k");
        assertThat(reader.read(json("{\"type\": \"t\", \"idempotencyKey\": \"k\"}"), "k")
                        .idempotencyKey())
                .isEqualTo("k");
    }

    @Test
    void differentKeysInHeaderAndFieldAreRefused() {
        assertThat(errorsOf("{\"type\": \"t\", \"idempotencyKey\": \"a\"}", "b"))
                .extracting(FieldError::field)
                .containsExactly("idempotencyKey");
    }

    @Test
    void reportsEveryInvalidFieldAtOnce() {
        ProblemException refused = refuse("""
                {"type": "no spaces", "payload": 1, "priority": 10, "maxAttempts": 0, "runAt": "tomorrow",
                 "concurrencyKey": " ", "colour": "red", "idempotencyKey": 7}
                """, null);

        assertThat(refused.problem()).isEqualTo(Problem.INVALID_REQUEST);
        assertThat(refused.errors())
                .extracting(FieldError::field)
                .containsExactlyInAnyOrder(
                        "colour", "type", "priority", "maxAttempts", "runAt", "concurrencyKey", "idempotencyKey");
        assertThat(refused.getMessage()).startsWith("7 fields are invalid");
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(
            delimiter = '|',
            value = {
                "{\"type\": 7}                                  | type",
                "{\"type\": null}                               | type",
                "{}                                             | type",
                "{\"type\": \"t\", \"priority\": \"1\"}         | priority",
                "{\"type\": \"t\", \"priority\": 1.5}           | priority",
                "{\"type\": \"t\", \"priority\": 99999999999}   | priority",
                "{\"type\": \"t\", \"maxAttempts\": true}       | maxAttempts",
                "{\"type\": \"t\", \"runAt\": \"2030-01-01T00:00:00\"} | runAt",
                "{\"type\": \"t\", \"runAt\": 1893456000}       | runAt",
                "{\"type\": \"t\", \"concurrencyKey\": []}      | concurrencyKey",
                "{\"type\": \"t\", \"idempotencyKey\": \"\"}    | idempotencyKey",
                "{\"type\": \"t\", \"Type\": \"t\"}             | Type",
                "{\"type\": \"t\", \"runAt\": \"1999-12-31T23:59:59Z\"} | runAt",
                "{\"type\": \"t\", \"uniqueKey\": 1}              | uniqueKey",
                "{\"type\": \"t\", \"uniqueKey\": \"\"}             | uniqueKey",
                "{\"type\": \"t\", \"uniqueStates\": [\"PENDING\"]} | uniqueStates",
                "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": []} | uniqueStates",
                "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": [\"PENDING\", \"RUNNING\"]} | uniqueStates",
                "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": [\"pending\", \"RUNNING\", \"RETRY_SCHEDULED\"]} | uniqueStates",
                "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": [1]} | uniqueStates",
                "{\"type\": \"t\", \"orderKey\": \" \"}             | orderKey",
                "{\"type\": \"t\", \"metadata\": \"x\"}             | metadata",
            })
    void namesTheFieldAtFault(String body, String field) {
        assertThat(errorsOf(body, null)).extracting(FieldError::field).containsExactly(field);
    }

    @Test
    void aBlankOrOverlongHeaderKeyIsRefusedAsTheIdempotencyKey() {
        assertThat(errorsOf("{\"type\": \"t\"}", " "))
                .extracting(FieldError::field)
                .containsExactly("idempotencyKey");
        assertThat(errorsOf("{\"type\": \"t\"}", "k".repeat(256)))
                .extracting(FieldError::field)
                .containsExactly("idempotencyKey");
    }

    @Test
    void refusesAMissingBodyOrOneThatIsNotAnObject() {
        assertThat(refuse(null).problem()).isEqualTo(Problem.INVALID_REQUEST);
        assertThat(refuse(json("[1]")).getMessage()).contains("must be a JSON object, not array");
        assertThat(refuse(json("\"t\"")).getMessage()).contains("not string");
        assertThat(refuse(json("null")).problem()).isEqualTo(Problem.INVALID_REQUEST);
    }

    @Test
    void aPayloadOverTheLimitIsTooLargeMeasuredSerialized() {
        String fits = "x".repeat(62); // "xxx..." = 64 bytes serialized
        assertThat(reader.read(json("{\"type\": \"t\", \"payload\": \"" + fits + "\"}"), null)
                        .payload()
                        .stringValue())
                .isEqualTo(fits);

        ProblemException refused = refuse("{\"type\": \"t\", \"payload\": \"" + fits + "x\"}", null);
        assertThat(refused.problem()).isEqualTo(Problem.PAYLOAD_TOO_LARGE);
        assertThat(refused.errors()).extracting(FieldError::field).containsExactly("payload");
        assertThat(refused.getMessage()).contains("65 bytes").contains("64");
    }

    @Test
    void fieldErrorsComeBeforeTheSizeLimit() {
        ProblemException refused = refuse("{\"payload\": \"" + "x".repeat(100) + "\"}", null);

        assertThat(refused.problem()).isEqualTo(Problem.INVALID_REQUEST);
        assertThat(refused.errors()).extracting(FieldError::field).containsExactly("type");
    }

    private List<FieldError> errorsOf(String body, String headerKey) {
        return refuse(body, headerKey).errors();
    }

    private ProblemException refuse(String body, String headerKey) {
        return refuse(json(body), headerKey);
    }

    private ProblemException refuse(JsonNode body) {
        return refuse(body, null);
    }

    private ProblemException refuse(JsonNode body, String headerKey) {
        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> reader.read(body, headerKey));
        assertThat(refused).as("refused").isNotNull();
        return refused;
    }

    private static JsonNode json(String text) {
        return JobCodec.mapper().readTree(text);
    }
}
