package dev.jobfleet.model;

import java.util.List;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * JSON for {@link JobEvent}s on Kafka. Unknown properties are ignored so that an older worker
 * keeps consuming events from a newer producer; a record that is not JSON, not an object of this
 * shape, or breaks {@link JobEvent#validate()} is an {@link UndecodableEventException}.
 */
public final class JobCodec {
    private static final JsonMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build();

    private JobCodec() {}

    public static byte[] encode(JobEvent event) {
        return MAPPER.writeValueAsBytes(event);
    }

    public static String encodeToString(JobEvent event) {
        return MAPPER.writeValueAsString(event);
    }

    /**
     * @throws UndecodableEventException when the bytes are not a valid job event; the message says why
     */
    public static JobEvent decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new UndecodableEventException("empty record value");
        }
        JobEvent event;
        try {
            event = MAPPER.readValue(bytes, JobEvent.class);
        } catch (JacksonException e) {
            throw new UndecodableEventException("not a job event: " + e.getOriginalMessage(), e);
        }
        if (event == null) {
            throw new UndecodableEventException("record value is JSON null");
        }
        List<FieldError> errors = event.validate();
        if (!errors.isEmpty()) {
            throw new UndecodableEventException("invalid job event: " + errors);
        }
        return event.withDefaults();
    }

    /** The mapper the codec uses, for code that must read or write the same JSON. */
    public static JsonMapper mapper() {
        return MAPPER;
    }
}
