package dev.jobfleet.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class InputRulesTest {
    /** As the producer reads bodies: floats as BigDecimal, so numbers reach the database as sent. */
    private static final JsonMapper DECIMALS = JsonMapper.builder()
            .enable(tools.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .build();

    @Test
    void textThatPostgresqlRefusesIsNamed() {
        assertThat(InputRules.textProblem("plain ✓ and 😀")).isEmpty();
        assertThat(InputRules.textProblem("a\u0000b")).get().asString().contains("U+0000", "character 1");
        assertThat(InputRules.textProblem("x\uD800")).get().asString().contains("unpaired");
        assertThat(InputRules.textProblem("\uDC00x")).get().asString().contains("unpaired");
        assertThat(InputRules.textProblem("\uD83D\uDE00")).isEmpty();
    }

    @Test
    void keysAreNotBlankNotLongAndStorable() {
        assertThat(InputRules.keyProblem("tenant-7")).isEmpty();
        assertThat(InputRules.keyProblem(" ")).contains("must not be blank");
        assertThat(InputRules.keyProblem("k".repeat(256))).get().asString().contains("at most 255");
        assertThat(InputRules.keyProblem("k\u0000")).get().asString().contains("U+0000");
    }

    @Test
    void idempotencyKeysTheSystemDerivesAreReservedForIt() {
        String tick = InputRules.scheduleKey("nightly", 1_700_000_000L);
        assertThat(tick).isEqualTo("schedule:nightly:1700000000");
        assertThat(InputRules.isReservedKey(tick)).isTrue();
        assertThat(InputRules.idempotencyKeyProblem(tick)).get().asString().contains("schedule:");
        assertThat(InputRules.idempotencyKeyProblem("my-schedule:1")).isEmpty();
    }

    @Test
    void jsonIsWalkedWholeAndEachProblemNamesItsPath() {
        JsonNode value = DECIMALS.readTree(
                "{\"ok\": [1, 2.5, \"x\"], \"bad\": [\"\\u0000\"], \"deep\": {\"k\\u0000\": {\"n\": \"\\ud800\"}}}");
        List<FieldError> errors = InputRules.jsonProblems("payload", value);
        assertThat(errors)
                .extracting(FieldError::field)
                .containsExactly("payload.bad[0]", "payload.deep.k\\u0000", "payload.deep.k\\u0000.n");
    }

    @Test
    void numbersOutsidePostgresqlNumericAreRefused() {
        assertThat(InputRules.jsonProblems("p", DECIMALS.readTree("[1e131071, 1e-16383, 123456789.125]")))
                .isEmpty();
        List<FieldError> errors =
                InputRules.jsonProblems("p", DECIMALS.readTree("[1e131072, 1e-16384, 0.5e-16383, 1E+2147483647]"));
        assertThat(errors).extracting(FieldError::field).containsExactly("p[0]", "p[1]", "p[2]", "p[3]");
        assertThat(errors.getFirst().message()).contains("131072 digits before the decimal point");
    }

    @Test
    void doublesThatOverflowedAreRefused() {
        // the codec's mapper reads floats as doubles: 1e999 becomes Infinity
        JsonNode value = JobCodec.mapper().readTree("{\"x\": 1e999}");
        assertThat(InputRules.jsonProblems("payload", value))
                .extracting(FieldError::message)
                .containsExactly("must be a finite number");
    }

    @Test
    void atMostTenErrorsAreReportedForOneValue() {
        JsonNode value = DECIMALS.readTree("[" + "\"\\u0000\",".repeat(50) + "1]");
        assertThat(InputRules.jsonProblems("payload", value)).hasSize(InputRules.MAX_JSON_ERRORS);
    }

    @Test
    void kafkaFirstEventsFollowTheApiRules() {
        String id = UUID.randomUUID().toString();
        assertThatThrownBy(() -> decode("{\"id\":\"" + id + "\",\"type\":\"t\",\"payload\":{\"s\":\"a\\u0000\"}}"))
                .isInstanceOf(UndecodableEventException.class)
                .hasMessageContaining("payload.s must not contain U+0000");
        assertThatThrownBy(() -> decode("{\"id\":\"" + id + "\",\"type\":\"t\",\"payload\":[\"\\udc00\"]}"))
                .hasMessageContaining("payload[0] must not contain an unpaired UTF-16 surrogate");
        assertThatThrownBy(() -> decode("{\"id\":\"" + id + "\",\"type\":\"t\",\"payload\":{\"n\":1e400}}"))
                .hasMessageContaining("payload.n must be a finite number");
        assertThatThrownBy(() -> decode("{\"id\":\"" + id + "\",\"type\":\"t\",\"idempotencyKey\":\"schedule:x:1\"}"))
                .hasMessageContaining("idempotencyKey must not start with 'schedule:'");
        assertThatThrownBy(() -> decode("{\"id\":\"" + id + "\",\"type\":\"t\",\"concurrencyKey\":\"a\\u0000\"}"))
                .hasMessageContaining("concurrencyKey must not contain U+0000");
    }

    @Test
    void theOutboxPublishesEventsWithoutTheKeysTheSystemDerived() {
        JobEvent scheduled =
                new JobEvent(JobIds.next(), "t", null, null, null, null, null, InputRules.scheduleKey("s", 1));
        assertThat(scheduled.publishable().idempotencyKey()).isNull();
        assertThat(JobCodec.decode(JobCodec.encode(scheduled.publishable())).id())
                .isEqualTo(scheduled.id());
        JobEvent client = new JobEvent(JobIds.next(), "t", null, null, null, null, null, "order-1");
        assertThat(client.publishable()).isSameAs(client);
    }

    private static JobEvent decode(String json) {
        return JobCodec.decode(json.getBytes(StandardCharsets.UTF_8));
    }
}
