package dev.jobfleet.producer.api;

import dev.jobfleet.producer.testing.HttpApi;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.function.BiFunction;

/**
 * Generators of requests that must be refused: every one carries at least one certain fault (a
 * value PostgreSQL cannot store, a body that is not the endpoint's JSON, a path or query value no
 * job, key or schedule can have, a wrong media type or precondition), so any answer but a 4xx
 * problem is a defect. Deterministic for a given {@link Random}.
 */
final class Hostile {
    private Hostile() {}

    /** The fuzzed app's fixtures: a pending job, its version, a DEAD job, a limit key, a schedule. */
    record Fixtures(UUID pendingJob, long pendingVersion, UUID deadJob, String limitKey, String schedule) {}

    /** A request to send: method, raw path and query (already percent-encoded), headers, body. */
    record Request(String method, String path, Map<String, String> headers, byte[] body) {
        HttpRequest.Builder build(HttpApi api) {
            HttpRequest.Builder builder = api.request(path);
            headers.forEach(builder::setHeader);
            HttpRequest.BodyPublisher publisher =
                    body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body);
            return builder.method(method, publisher);
        }

        @Override
        public String toString() {
            String text = body == null ? "" : new String(body, StandardCharsets.UTF_8);
            return method + " " + path + " " + headers + " " + (text.length() > 200 ? text.substring(0, 200) : text);
        }
    }

    /**
     * One endpoint and how to break a request to it.
     *
     * @param bulk {@code POST /jobs:batch}: a valid envelope answers 200 with a problem per item
     */
    record Endpoint(String name, boolean bulk, BiFunction<Random, Fixtures, Request> maker) {
        Request make(Random random, Fixtures fixtures) {
            return maker.apply(random, fixtures);
        }
    }

    // ---- strings ------------------------------------------------------------------------

    /** Fragments of hostile text; only some are refused on their own (see {@link #refusedText}). */
    private static final String[] FRAGMENTS = {
        "\u0000",
        "\uD800",
        "\uDFFF",
        "a\uDBFF",
        "\uD83D\uDE00",
        "\u202E",
        "\t\n\r",
        "'; DROP TABLE jobs; --",
        "../../etc/passwd",
        "%00",
        "${jndi:ldap://localhost/x}",
        "<script>alert(1)</script>",
        "\\",
        "\"",
        "ｊｏｂ",
        " ",
        "null",
        "{}",
        "\u0007",
        "\uFFFF",
        "\uFEFF"
    };

    /** Text PostgreSQL refuses: it holds a U+0000 or an unpaired surrogate somewhere. */
    static String refusedText(Random r) {
        StringBuilder s = new StringBuilder();
        int parts = 1 + r.nextInt(4);
        int bad = r.nextInt(parts);
        for (int i = 0; i < parts; i++) {
            if (i == bad) {
                s.append(r.nextBoolean() ? "\u0000" : (r.nextBoolean() ? "\uD800" : "x\uDC00"));
            } else {
                s.append(FRAGMENTS[r.nextInt(FRAGMENTS.length)]);
            }
        }
        return s.toString();
    }

    /** A JSON string literal of {@code text}, escaped so that the parser sees exactly {@code text}. */
    static String literal(String text) {
        StringBuilder s = new StringBuilder("\"");
        for (char c : text.toCharArray()) {
            if (c == '"' || c == '\\') {
                s.append('\\').append(c);
            } else if (c < 0x20 || Character.isSurrogate(c) || c > 0x7e) {
                s.append(String.format("\\u%04x", (int) c));
            } else {
                s.append(c);
            }
        }
        return s.append('"').toString();
    }

    /** A JSON value with a refused string, key or number somewhere inside, up to a few levels down. */
    static String refusedJson(Random r, int depth) {
        int kind = depth <= 0 ? r.nextInt(3) : r.nextInt(5);
        return switch (kind) {
            case 0 -> literal(refusedText(r));
            case 1 -> refusedNumber(r);
            case 2 -> "{" + literal(refusedText(r)) + ": 1}";
            case 3 -> "[1, \"ok\", " + refusedJson(r, depth - 1) + ", {\"n\": 2}]";
            default -> "{\"fine\": true, " + literal("k" + r.nextInt(100)) + ": " + refusedJson(r, depth - 1) + "}";
        };
    }

    /** A number outside what PostgreSQL's numeric holds, or one that overflows a double. */
    static String refusedNumber(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> "1e131072";
            case 1 -> "-2.5e-16384";
            case 2 -> "9e" + (131_100 + r.nextInt(1_000_000));
            default -> "1.5e-" + (16_400 + r.nextInt(100_000));
        };
    }

    /** Bytes that are not a JSON object of any endpoint. */
    static byte[] malformedBody(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> new byte[] {(byte) 0xC0, (byte) 0x80, '{', '}'};
            case 1 -> "{\"type\": \"t\"".getBytes(StandardCharsets.UTF_8);
            case 2 -> "{\"type\": \"t\"} trailing".getBytes(StandardCharsets.UTF_8);
            case 3 -> "[".repeat(2_000).getBytes(StandardCharsets.UTF_8);
            case 4 -> ("{\"type\": \"t\", \"payload\": " + "9".repeat(5_000) + "}").getBytes(StandardCharsets.UTF_8);
            case 5 -> {
                byte[] garbage = new byte[1 + r.nextInt(64)];
                r.nextBytes(garbage);
                garbage[0] = (byte) 0xFF;
                yield garbage;
            }
            case 6 -> "{\"type\": NaN}".getBytes(StandardCharsets.UTF_8);
            case 7 -> new byte[] {'{', '"', 't', '"', ':', '"', (byte) 0xED, (byte) 0xA0, (byte) 0x80, '"', '}'};
            default -> "\"just a string\"".getBytes(StandardCharsets.UTF_8);
        };
    }

    /** A path segment no id, key or name can be, percent-encoded as a client would send it. */
    static String refusedSegment(Random r) {
        return switch (r.nextInt(8)) {
            case 0 -> "%00";
            case 1 -> "a%00b";
            case 2 -> "%ED%A0%80"; // a surrogate in UTF-8: not valid UTF-8
            case 3 -> "%C0%80"; // an overlong NUL
            case 4 -> "x%2Fy";
            case 5 -> "k".repeat(300);
            case 6 -> "%FF%FE";
            default -> "%20";
        };
    }

    /** A segment where a job's UUID belongs: not a UUID at all, or one that names nothing. */
    static String refusedId(Random r) {
        return r.nextInt(3) == 0 ? UUID.randomUUID().toString() : refusedSegment(r);
    }

    // ---- bodies of each endpoint, one field broken -----------------------------------------

    /** A valid job object with one field made refusable. */
    static String brokenJob(Random r) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("type", "\"fuzz.job\"");
        fields.put("payload", "{\"n\": 1}");
        String field = pick(
                r,
                "type",
                "payload",
                "payload",
                "metadata",
                "idempotencyKey",
                "concurrencyKey",
                "uniqueKey",
                "orderKey",
                "runAt",
                "priority",
                "maxAttempts",
                "unknown");
        switch (field) {
            case "payload", "metadata" ->
                fields.put(
                        field,
                        r.nextBoolean() ? "{\"x\": " + refusedJson(r, 3) + "}" : "{\"x\": " + refusedJson(r, 1) + "}");
            case "priority" -> fields.put(field, pick(r, "10", "-1", "\"high\"", "1.5", "99999999999"));
            case "maxAttempts" -> fields.put(field, pick(r, "0", "1001", "true"));
            case "runAt" -> fields.put(field, pick(r, "\"soon\"", "\"1999-12-31T23:59:59Z\"", literal(refusedText(r))));
            case "idempotencyKey" ->
                fields.put(
                        field,
                        pick(
                                r,
                                "\"schedule:nightly:1700000000\"",
                                "\" \"",
                                literal("k".repeat(256)),
                                literal(refusedText(r))));
            case "unknown" -> fields.put(refusedText(r), "1");
            default -> fields.put(field, literal(refusedText(r)));
        }
        StringBuilder s = new StringBuilder("{");
        fields.forEach((k, v) -> s.append(s.length() > 1 ? ", " : "")
                .append(literal(k))
                .append(": ")
                .append(v));
        return s.append('}').toString();
    }

    static String brokenSchedule(Random r) {
        String cron = "\"0 0 3 * * *\"";
        String type = "\"fuzz.cron\"";
        String payload = "{}";
        String extra = "";
        switch (r.nextInt(5)) {
            case 0 -> cron = pick(r, "\"every day\"", "\"* * *\"", literal(refusedText(r)));
            case 1 -> type = pick(r, "\"has space\"", literal(refusedText(r)));
            case 2 -> payload = refusedJson(r, 2);
            case 3 -> extra = ", \"zone\": " + pick(r, "\"Mars/Olympus\"", literal(refusedText(r)));
            default -> extra = ", " + literal(refusedText(r)) + ": 1";
        }
        return "{\"cron\": " + cron + ", \"type\": " + type + ", \"payload\": " + payload + extra + "}";
    }

    static String brokenPatch(Random r) {
        return switch (r.nextInt(4)) {
            case 0 -> "{\"metadata\": {\"k\": " + refusedJson(r, 2) + "}}";
            case 1 -> "{\"priority\": " + pick(r, "10", "\"x\"", "null") + "}";
            case 2 -> "{\"runAt\": " + literal(refusedText(r)) + "}";
            default -> "{" + literal(refusedText(r)) + ": 1}";
        };
    }

    // ---- the endpoints ------------------------------------------------------------------

    static List<Endpoint> endpoints() {
        List<Endpoint> list = new ArrayList<>();
        list.add(new Endpoint("POST /jobs", false, (r, f) -> switch (r.nextInt(6)) {
            case 0 -> json("POST", "/jobs", malformedBody(r));
            case 1 ->
                new Request(
                        "POST",
                        "/jobs",
                        Map.of(
                                "Content-Type",
                                pick(r, "text/plain", "application/xml", "application/x-www-form-urlencoded")),
                        "{\"type\":\"t\"}".getBytes(StandardCharsets.UTF_8));
            case 2 ->
                new Request(
                        "POST",
                        "/jobs",
                        Map.of(
                                "Content-Type",
                                "application/json",
                                "Idempotency-Key",
                                pick(r, "schedule:nightly:1", " ", "k".repeat(300), "schedule:")),
                        "{\"type\":\"fuzz.job\"}".getBytes(StandardCharsets.UTF_8));
            default -> json("POST", "/jobs", brokenJob(r));
        }));
        list.add(new Endpoint("POST /jobs:batch", true, (r, f) -> switch (r.nextInt(4)) {
            case 0 -> json("POST", "/jobs:batch", malformedBody(r));
            case 1 -> json("POST", "/jobs:batch", "{\"jobs\": " + pick(r, "{}", "\"x\"", "[]", "null") + "}");
            default -> json("POST", "/jobs:batch", "{\"jobs\": [" + brokenJob(r) + ", " + brokenJob(r) + "]}");
        }));
        list.add(new Endpoint("POST /batches", false, (r, f) -> switch (r.nextInt(4)) {
            case 0 -> json("POST", "/batches", malformedBody(r));
            case 1 ->
                json(
                        "POST",
                        "/batches",
                        "{\"jobs\": [{\"type\": \"fuzz.child\"}], \"callback\": {\"type\": \"fuzz.cb\", \"payload\": "
                                + refusedJson(r, 2) + "}}");
            default ->
                json(
                        "POST",
                        "/batches",
                        "{\"jobs\": [{\"type\": \"fuzz.child\", \"payload\": " + refusedJson(r, 2) + "}]}");
        }));
        list.add(new Endpoint("GET /jobs", false, (r, f) -> get("/jobs?" + badJobsQuery(r))));
        list.add(new Endpoint("GET /jobs/{id}", false, (r, f) -> get("/jobs/" + refusedId(r))));
        list.add(new Endpoint("GET /jobs/{id}/logs", false, (r, f) -> get("/jobs/" + refusedId(r) + "/logs")));
        list.add(new Endpoint(
                "POST /jobs/{id}/cancel",
                false,
                (r, f) -> new Request("POST", "/jobs/" + refusedId(r) + "/cancel", Map.of(), null)));
        list.add(new Endpoint(
                "POST /jobs/{id}/retry",
                false,
                (r, f) -> new Request("POST", "/jobs/" + refusedId(r) + "/retry", Map.of(), null)));
        list.add(new Endpoint("PATCH /jobs/{id}", false, (r, f) -> switch (r.nextInt(5)) {
            case 0 ->
                patch(
                        "/jobs/" + refusedId(r),
                        "\"" + f.pendingVersion() + "\"",
                        "{\"priority\": 1}".getBytes(StandardCharsets.UTF_8));
            case 1 ->
                patch(
                        "/jobs/" + f.pendingJob(),
                        pick(r, "*", "W/\"1\"", "\"x\"", "1", "\"1\", \"2\""),
                        "{\"priority\": 1}".getBytes(StandardCharsets.UTF_8));
            case 2 -> patch("/jobs/" + f.pendingJob(), "\"" + f.pendingVersion() + "\"", malformedBody(r));
            default ->
                patch(
                        "/jobs/" + f.pendingJob(),
                        "\"" + f.pendingVersion() + "\"",
                        brokenPatch(r).getBytes(StandardCharsets.UTF_8));
        }));
        list.add(new Endpoint("GET /batches/{id}", false, (r, f) -> get("/batches/" + refusedId(r))));
        list.add(new Endpoint("PUT /concurrency-limits/{key}", false, (r, f) -> switch (r.nextInt(3)) {
            case 0 -> json("PUT", "/concurrency-limits/" + refusedSegment(r), "{\"maxRunning\": 2}");
            case 1 -> json("PUT", "/concurrency-limits/" + f.limitKey(), malformedBody(r));
            default ->
                json(
                        "PUT",
                        "/concurrency-limits/" + f.limitKey(),
                        "{\"maxRunning\": " + pick(r, "0", "10001", "\"2\"", "2.5", "null") + "}");
        }));
        list.add(new Endpoint(
                "GET /concurrency-limits/{key}", false, (r, f) -> get("/concurrency-limits/" + refusedSegment(r))));
        list.add(new Endpoint(
                "DELETE /concurrency-limits/{key}",
                false,
                (r, f) -> new Request("DELETE", "/concurrency-limits/" + refusedSegment(r), Map.of(), null)));
        list.add(new Endpoint("PUT /schedules/{name}", false, (r, f) -> switch (r.nextInt(3)) {
            case 0 ->
                json("PUT", "/schedules/" + refusedSegment(r), "{\"cron\": \"0 0 3 * * *\", \"type\": \"fuzz.cron\"}");
            case 1 -> json("PUT", "/schedules/" + f.schedule(), malformedBody(r));
            default -> json("PUT", "/schedules/" + f.schedule(), brokenSchedule(r));
        }));
        list.add(new Endpoint("GET /schedules/{name}", false, (r, f) -> get("/schedules/" + refusedSegment(r))));
        list.add(new Endpoint(
                "DELETE /schedules/{name}",
                false,
                (r, f) -> new Request("DELETE", "/schedules/" + refusedSegment(r), Map.of(), null)));
        list.add(new Endpoint(
                "GET /fleet/status",
                false,
                (r, f) -> get("/fleet/status?format=" + pick(r, "xml", "%00", "TEXTS", "json,text"))));
        list.add(new Endpoint(
                "unknown paths",
                false,
                (r, f) -> new Request(
                        pick(r, "GET", "POST", "DELETE", "PUT"),
                        "/" + pick(r, "jobs/x/y/z", "admin", "fleet/%00", "jobs%00", "..%2F..%2Fetc", "schedules/a/b"),
                        Map.of(),
                        null)));
        return list;
    }

    /** A query string of {@code GET /jobs} with one parameter no page can have. */
    private static String badJobsQuery(Random r) {
        return switch (r.nextInt(7)) {
            case 0 -> "state=" + pick(r, "NOPE", "pending", "%00", "DEAD%00");
            case 1 -> "limit=" + pick(r, "0", "-1", "1001", "abc", "99999999999", "1e3");
            case 2 -> "type=" + pick(r, "%00", "has%20space", "a%2Fb", "%ED%A0%80");
            case 3 -> "cursor=" + pick(r, "x", "AAAA", "bm90LWEtY3Vyc29y", "%00", "a".repeat(400));
            case 4 -> "include=" + pick(r, "secrets", "payload,password", "%00", "payload,,x");
            case 5 ->
                "limit=5&cursor="
                        + java.util.Base64.getUrlEncoder()
                                .withoutPadding()
                                .encodeToString(
                                        ("2026-01-01T00:00:00Z|" + refusedText(r)).getBytes(StandardCharsets.UTF_8));
            default -> "state=DEAD&limit=" + pick(r, "%00", "two");
        };
    }

    private static Request json(String method, String path, String body) {
        return json(method, path, body.getBytes(StandardCharsets.UTF_8));
    }

    private static Request json(String method, String path, byte[] body) {
        return new Request(method, path, Map.of("Content-Type", "application/json"), body);
    }

    private static Request patch(String path, String ifMatch, byte[] body) {
        return new Request(
                "PATCH", path, Map.of("Content-Type", "application/merge-patch+json", "If-Match", ifMatch), body);
    }

    private static Request get(String path) {
        return new Request("GET", path, Map.of(), null);
    }

    @SafeVarargs
    private static <T> T pick(Random r, T... options) {
        return options[r.nextInt(options.length)];
    }
}
