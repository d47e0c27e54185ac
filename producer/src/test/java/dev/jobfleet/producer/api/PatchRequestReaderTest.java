package dev.jobfleet.producer.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.model.JobCodec;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import tools.jackson.databind.JsonNode;

class PatchRequestReaderTest {
    private final PatchRequestReader reader = new PatchRequestReader(new SubmitRequestReader(64));

    @Test
    void readsTheChangeAndTheVersionOfIfMatch() {
        PatchRequestReader.Patch patch = reader.read(
                json("{\"priority\": 2, \"runAt\": \"2030-01-01T00:00:00Z\", \"metadata\": {\"a\": 1}}"), " \"17\" ");

        assertThat(patch.version()).isEqualTo(17);
        assertThat(patch.request().priority()).isEqualTo(2);
        assertThat(patch.request().runAt()).isEqualTo(Instant.parse("2030-01-01T00:00:00Z"));
        assertThat(patch.request().metadata()).isEqualTo(json("{\"a\": 1}"));
    }

    @Test
    void absentFieldsAreLeftAlone() {
        PatchJobRequest change = reader.read(json("{\"runAt\": \"2030-01-01T00:00:00Z\"}"), "\"0\"")
                .request();

        assertThat(change.priority()).isNull();
        assertThat(change.metadata()).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {"*", "17", "W/\"17\"", "\"a\"", "\"1\", \"2\"", "\"\"", "\"1234567890123456789\""})
    void anIfMatchThatIsNotOneStrongVersionTagIsInvalid(String ifMatch) {
        ProblemException refused = refuse("{\"priority\": 1}", ifMatch);

        assertThat(refused.problem()).isEqualTo(Problem.INVALID_REQUEST);
        assertThat(refused.errors()).extracting(FieldError::field).containsExactly("If-Match");
    }

    @Test
    void aMissingIfMatchIsPreconditionRequiredOnceTheBodyIsValid() {
        assertThat(refuse("{\"priority\": 1}", null).problem()).isEqualTo(Problem.PRECONDITION_REQUIRED);
        assertThat(refuse("{\"priority\": 10}", null).problem()).isEqualTo(Problem.INVALID_REQUEST);
    }

    @Test
    void nullsCannotRemoveFieldsOrMetadataKeys() {
        ProblemException refused = refuse("{\"priority\": null, \"metadata\": {\"keep\": 1, \"drop\": null}}", "\"1\"");

        assertThat(refused.errors())
                .extracting(FieldError::field)
                .containsExactlyInAnyOrder("priority", "metadata.drop");
    }

    @Test
    void metadataOverTheLimitIsTooLarge() {
        ProblemException refused = refuse("{\"metadata\": {\"x\": \"" + "x".repeat(64) + "\"}}", "\"1\"");

        assertThat(refused.problem()).isEqualTo(Problem.PAYLOAD_TOO_LARGE);
        assertThat(refused.errors()).extracting(FieldError::field).containsExactly("metadata");
    }

    private ProblemException refuse(String body, String ifMatch) {
        ProblemException refused = catchThrowableOfType(ProblemException.class, () -> reader.read(json(body), ifMatch));
        assertThat(refused).as("refused").isNotNull();
        return refused;
    }

    private static JsonNode json(String text) {
        return JobCodec.mapper().readTree(text);
    }
}
