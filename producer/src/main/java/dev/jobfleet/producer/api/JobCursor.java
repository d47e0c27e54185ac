package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import dev.jobfleet.store.JobRow;
import java.nio.charset.StandardCharsets;
import java.time.DateTimeException;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * Where a page of {@code GET /jobs} ends: the creation time and id of its last job, as an opaque
 * base64url string. The next page starts after it, so jobs submitted meanwhile neither shift nor
 * repeat what the client already has.
 */
record JobCursor(Instant createdAt, UUID id) {
    static JobCursor after(JobRow job) {
        return new JobCursor(job.createdAt(), job.id());
    }

    String encode() {
        String plain = createdAt + "|" + id;
        return Base64.getUrlEncoder().withoutPadding().encodeToString(plain.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * @throws ProblemException 400 naming {@code cursor} when it is not one this API made
     */
    static JobCursor decode(String cursor) {
        try {
            if (cursor.length() > 200) {
                throw new IllegalArgumentException("too long");
            }
            String plain = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
            int bar = plain.indexOf('|');
            if (bar < 0) {
                throw new IllegalArgumentException("no separator");
            }
            return new JobCursor(Instant.parse(plain.substring(0, bar)), UUID.fromString(plain.substring(bar + 1)));
        } catch (IllegalArgumentException | DateTimeException e) {
            throw ProblemException.invalid(
                    List.of(new FieldError("cursor", "must be the cursor of a next link this API returned")));
        }
    }
}
