package dev.jobfleet.producer.api;

import dev.jobfleet.producer.api.BadInputIT.BadInput;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import java.net.http.HttpRequest;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** The G8 cases of {@link BadInputIT} for the endpoints and fields added after the first API. */
final class BadInputs {
    private static final String OVERSIZED = "\"" + "x".repeat(ApiIntegrationTest.MAX_PAYLOAD_BYTES) + "\"";

    private BadInputs() {}

    static Stream<BadInput> newSubmissionFields() {
        return Stream.of(
                BadInputIT.submit(
                        "uniqueStates with a state that does not exist",
                        "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": [\"PENDING\", \"RUNNING\","
                                + " \"RETRY_SCHEDULED\", \"DONE\"]}",
                        400,
                        "invalid-request",
                        "uniqueStates"),
                BadInputIT.submit(
                        "uniqueStates without the states a job returns to PENDING from",
                        "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": [\"PENDING\"]}",
                        400,
                        "invalid-request",
                        "uniqueStates"),
                BadInputIT.submit(
                        "uniqueStates without uniqueKey",
                        "{\"type\": \"t\", \"uniqueStates\": [\"PENDING\", \"RUNNING\", \"RETRY_SCHEDULED\"]}",
                        400,
                        "invalid-request",
                        "uniqueStates"),
                BadInputIT.submit(
                        "uniqueStates not an array",
                        "{\"type\": \"t\", \"uniqueKey\": \"k\", \"uniqueStates\": \"PENDING\"}",
                        400,
                        "invalid-request",
                        "uniqueStates"),
                BadInputIT.submit(
                        "blank uniqueKey",
                        "{\"type\": \"t\", \"uniqueKey\": \" \"}",
                        400,
                        "invalid-request",
                        "uniqueKey"),
                BadInputIT.submit(
                        "orderKey over 255 characters",
                        "{\"type\": \"t\", \"orderKey\": \"" + "o".repeat(256) + "\"}",
                        400,
                        "invalid-request",
                        "orderKey"),
                BadInputIT.submit(
                        "metadata not an object",
                        "{\"type\": \"t\", \"metadata\": [1]}",
                        400,
                        "invalid-request",
                        "metadata"),
                BadInputIT.submit(
                        "metadata over max-payload-bytes",
                        "{\"type\": \"t\", \"metadata\": {\"x\": " + OVERSIZED + "}}",
                        413,
                        "payload-too-large",
                        "metadata"),
                BadInputIT.submit(
                        "runAt before 2000",
                        "{\"type\": \"t\", \"runAt\": \"1999-12-31T23:59:59Z\"}",
                        400,
                        "invalid-request",
                        "runAt"),
                BadInputIT.submit(
                        "runAt after 9999",
                        "{\"type\": \"t\", \"runAt\": \"+10000-01-01T00:00:00Z\"}",
                        400,
                        "invalid-request",
                        "runAt"),
                BadInputIT.get("bad UUID in the logs path", "/jobs/not-a-uuid/logs", 400, "invalid-request", "id"),
                new BadInput(
                        "bad UUID in the retry path",
                        api -> api.post("/jobs/not-a-uuid/retry"),
                        400,
                        "invalid-request",
                        List.of("id"),
                        "",
                        "/jobs/not-a-uuid/retry"));
    }

    /** Validation comes before the lookup, so these use an id no job has. */
    static Stream<BadInput> patches() {
        String path = "/jobs/" + UUID.randomUUID();
        return Stream.of(
                patch(
                        "PATCH without If-Match",
                        path,
                        "{\"priority\": 1}",
                        null,
                        428,
                        "precondition-required",
                        "If-Match"),
                patch(
                        "PATCH with a weak If-Match",
                        path,
                        "{\"priority\": 1}",
                        "W/\"1\"",
                        400,
                        "invalid-request",
                        "If-Match"),
                patch("PATCH with If-Match *", path, "{\"priority\": 1}", "*", 400, "invalid-request", "If-Match"),
                patch(
                        "PATCH of a field that cannot change, and a null",
                        path,
                        "{\"state\": \"DONE\", \"runAt\": null}",
                        "\"0\"",
                        400,
                        "invalid-request",
                        "state",
                        "runAt"),
                patch(
                        "PATCH with priority out of range, a null metadata value and a bad If-Match",
                        path,
                        "{\"priority\": 10, \"metadata\": {\"a\": null}}",
                        "1",
                        400,
                        "invalid-request",
                        "priority",
                        "metadata.a",
                        "If-Match"),
                patch(
                        "PATCH that changes nothing",
                        path,
                        "{}",
                        "\"0\"",
                        400,
                        "invalid-request",
                        "priority",
                        "runAt",
                        "metadata"),
                patch("PATCH with an array as the body", path, "[1]", "\"0\"", 400, "invalid-request", "priority"),
                patch(
                        "PATCH with metadata over max-payload-bytes",
                        path,
                        "{\"metadata\": {\"x\": " + OVERSIZED + "}}",
                        "\"0\"",
                        413,
                        "payload-too-large",
                        "metadata"),
                patch(
                        "PATCH of a bad UUID",
                        "/jobs/not-a-uuid",
                        "{\"priority\": 1}",
                        "\"0\"",
                        400,
                        "invalid-request",
                        "id"),
                patch("PATCH of an unknown job", path, "{\"priority\": 1}", "\"0\"", 404, "job-not-found", "id"),
                new BadInput(
                        "PATCH as text/plain",
                        api -> api.send(api.request(path)
                                .header("Content-Type", "text/plain")
                                .header("If-Match", "\"0\"")
                                .method("PATCH", HttpRequest.BodyPublishers.ofString("priority=1"))),
                        415,
                        "unsupported-media-type",
                        List.of(),
                        "text/plain",
                        path));
    }

    static Stream<BadInput> bulk() {
        String tooMany = IntStream.range(0, ApiIntegrationTest.MAX_BATCH_SIZE + 1)
                .mapToObj(i -> "{\"type\": \"t\"}")
                .collect(Collectors.joining(",", "{\"jobs\": [", "]}"));
        String overBytes = "{\"jobs\": [{\"type\": \"t\", \"payload\": \""
                + "x".repeat(ApiIntegrationTest.MAX_BATCH_BYTES) + "\"}]}";
        return Stream.of(
                bulk("bulk body not an object", "[{\"type\": \"t\"}]", 400, "invalid-request", "jobs"),
                bulk("bulk without jobs", "{}", 400, "invalid-request", "jobs"),
                bulk("bulk jobs not an array", "{\"jobs\": {\"type\": \"t\"}}", 400, "invalid-request", "jobs"),
                bulk("bulk with no jobs", "{\"jobs\": []}", 400, "invalid-request", "jobs"),
                bulk(
                        "bulk envelope with an unknown field stores not even its valid jobs",
                        "{\"jobs\": [{\"type\": \"t\"}], \"atomic\": true}",
                        400,
                        "invalid-request",
                        "atomic"),
                new BadInput(
                        "bulk with an Idempotency-Key header",
                        api -> api.post("/jobs:batch", "{\"jobs\": [{\"type\": \"t\"}]}", "Idempotency-Key", "k"),
                        400,
                        "invalid-request",
                        List.of("Idempotency-Key"),
                        "",
                        "/jobs:batch"),
                bulk("bulk over max-batch-size", tooMany, 413, "batch-too-large", "jobs"),
                bulk("bulk body over max-batch-bytes", overBytes, 413, "payload-too-large", "jobs"));
    }

    static Stream<BadInput> batches() {
        String tooMany = IntStream.range(0, ApiIntegrationTest.MAX_BATCH_SIZE + 1)
                .mapToObj(i -> "{\"type\": \"t\"}")
                .collect(Collectors.joining(",", "{\"jobs\": [", "]}"));
        return Stream.of(
                batch(
                        "batch with every part wrong at once",
                        "{\"jobs\": [{\"type\": \"t\", \"idempotencyKey\": \"k\"}, {\"type\": \"no spaces\"}, 3],"
                                + " \"policy\": \"SOMETIMES\", \"callback\": {\"payload\": {}}}",
                        400,
                        "invalid-request",
                        "jobs[0].idempotencyKey",
                        "jobs[1].type",
                        "jobs[2]",
                        "policy",
                        "callback.type"),
                batch(
                        "batch child with keys and metadata",
                        "{\"jobs\": [{\"type\": \"t\", \"uniqueKey\": \"u\", \"orderKey\": \"o\", \"metadata\": {}}]}",
                        400,
                        "invalid-request",
                        "jobs[0].uniqueKey",
                        "jobs[0].orderKey",
                        "jobs[0].metadata"),
                batch(
                        "batch callback with an unknown field and a bad type",
                        "{\"jobs\": [{\"type\": \"t\"}], \"callback\": {\"type\": \"a b\", \"colour\": 1}}",
                        400,
                        "invalid-request",
                        "callback.type",
                        "callback.colour"),
                batch("batch without jobs", "{\"policy\": \"FAIL_ON_ANY\"}", 400, "invalid-request", "jobs"),
                batch(
                        "batch child payload over max-payload-bytes",
                        "{\"jobs\": [{\"type\": \"t\"}, {\"type\": \"t\", \"payload\": " + OVERSIZED + "}]}",
                        413,
                        "payload-too-large",
                        "jobs[1].payload"),
                batch("batch over max-batch-size", tooMany, 413, "batch-too-large", "jobs"),
                BadInputIT.get("bad UUID in the batch path", "/batches/not-a-uuid", 400, "invalid-request", "id"));
    }

    static Stream<BadInput> limits() {
        String path = "/concurrency-limits/k-" + UUID.randomUUID();
        String longKey = "/concurrency-limits/" + "k".repeat(256);
        return Stream.of(
                put("limit of 0", path, "{\"maxRunning\": 0}", "maxRunning"),
                put("limit over 10000", path, "{\"maxRunning\": 10001}", "maxRunning"),
                put("limit as a string", path, "{\"maxRunning\": \"3\"}", "maxRunning"),
                put("limit missing", path, "{}", "maxRunning"),
                put("limit with an unknown field", path, "{\"maxRunning\": 3, \"burst\": 5}", "burst"),
                put("limit without a body", path, "", "maxRunning"),
                put("limit key over 255 characters", longKey, "{\"maxRunning\": 3}", "key"),
                put("blank limit key", "/concurrency-limits/%20", "{\"maxRunning\": 3}", "key"),
                BadInputIT.get("reading a key over 255 characters", longKey, 400, "invalid-request", "key"),
                BadInputIT.get("reading a key without a limit", path, 404, "concurrency-limit-not-found", "key"),
                new BadInput(
                        "deleting a key without a limit",
                        api -> api.delete(path),
                        404,
                        "concurrency-limit-not-found",
                        List.of("key"),
                        "",
                        path));
    }

    static Stream<BadInput> schedules() {
        String path = "/schedules/s-" + UUID.randomUUID();
        return Stream.of(
                new BadInput(
                        "schedule with every field wrong at once",
                        api -> api.put(
                                "/schedules/bad%20name",
                                "{\"cron\": \"every minute\", \"zone\": \"Mars/Olympus\", \"priority\": 10,"
                                        + " \"enabled\": \"yes\", \"colour\": \"red\"}"),
                        400,
                        "invalid-request",
                        List.of("name", "cron", "zone", "type", "priority", "enabled", "colour"),
                        "7 fields are invalid",
                        "/schedules/bad%20name"),
                put("schedule without a body", path, "", "cron"),
                new BadInput(
                        "schedule cron that never fires (refused by the store)",
                        api -> api.put(path, "{\"cron\": \"0 0 0 30 2 *\", \"type\": \"t\"}"),
                        400,
                        "invalid-request",
                        List.of("cron"),
                        "never fires",
                        path),
                new BadInput(
                        "schedule payload over max-payload-bytes",
                        api -> api.put(
                                path, "{\"cron\": \"0 * * * * *\", \"type\": \"t\", \"payload\": " + OVERSIZED + "}"),
                        413,
                        "payload-too-large",
                        List.of("payload"),
                        "",
                        path),
                BadInputIT.get("reading an unknown schedule", path, 404, "schedule-not-found", "name"));
    }

    private static BadInput patch(
            String name, String path, String body, String ifMatch, int status, String type, String... fields) {
        return new BadInput(
                name,
                api -> ifMatch == null ? api.patch(path, body) : api.patch(path, body, "If-Match", ifMatch),
                status,
                type,
                List.of(fields),
                "",
                path);
    }

    private static BadInput bulk(String name, String body, int status, String type, String field) {
        return new BadInput(
                name, api -> api.post("/jobs:batch", body), status, type, List.of(field), "", "/jobs:batch");
    }

    private static BadInput batch(String name, String body, int status, String type, String... fields) {
        return new BadInput(name, api -> api.post("/batches", body), status, type, List.of(fields), "", "/batches");
    }

    private static BadInput put(String name, String path, String body, String field) {
        return new BadInput(
                name, (HttpApi api) -> api.put(path, body), 400, "invalid-request", List.of(field), "", path);
    }
}
