package dev.jobfleet.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The demo batch: mostly {@code demo.noop}, one in twenty {@code demo.sleep} (50 ms) and one in twenty
 * {@code demo.fail} (fails once, then succeeds on its retry), submitted through the producer's HTTP
 * API as a client with many jobs would: {@code POST /jobs:batch}, {@value #CHUNK} jobs per request,
 * a few requests in flight. Every job is expected to end {@code SUCCEEDED}.
 */
final class DemoBatch {
    static final Set<String> TYPES = Set.of("demo.noop", "demo.sleep", "demo.fail");
    /** Jobs per {@code POST /jobs:batch} request; the producer takes up to 1,000 by default. */
    static final int CHUNK = 500;
    /** Batch requests in flight. */
    static final int IN_FLIGHT = 4;

    private static final JsonMapper JSON = JsonMapper.builder().build();

    /** One job to submit. */
    record Job(String type, String payloadJson) {
        String json() {
            return "{\"type\":\"" + type + "\",\"payload\":" + payloadJson + "}";
        }
    }

    /**
     * What the producer said.
     *
     * @param accepted jobs whose result was 201 or 200
     * @param rejected jobs refused, alone (their result's status) or with their whole request (its
     *     status, or no answer)
     * @param firstRejection the first refusal or error, for the report; null if none
     * @param sampleId the id of one accepted job, for the curl examples; null if none was found
     * @param requests how many {@code POST /jobs:batch} requests were sent
     * @param nanos from the first request sent to the last answer
     */
    record Submitted(int accepted, int rejected, String firstRejection, String sampleId, int requests, long nanos) {
        /** Accepted jobs per second of submission. */
        double acceptedPerSecond() {
            return accepted / Math.max(nanos / 1e9, 1e-3);
        }
    }

    private DemoBatch() {}

    static List<Job> plan(int size) {
        List<Job> jobs = new ArrayList<>(size);
        for (int i = 0; i < size; i++) {
            jobs.add(
                    switch (i % 20) {
                        case 5 -> new Job("demo.sleep", "{\"ms\":50}");
                        case 15 -> new Job("demo.fail", "{\"times\":1}");
                        default -> new Job("demo.noop", "{}");
                    });
        }
        return jobs;
    }

    /** "900 demo.noop, 50 demo.fail, 50 demo.sleep". */
    static String describe(List<Job> jobs) {
        Map<String, Long> byType =
                jobs.stream().collect(Collectors.groupingBy(Job::type, TreeMap::new, Collectors.counting()));
        return byType.entrySet().stream()
                .map(e -> e.getValue() + " " + e.getKey())
                .collect(Collectors.joining(", "));
    }

    /**
     * POST the jobs to {@code batchUri} ({@code POST /jobs:batch}) as the caller with {@code token},
     * {@code chunk} jobs per request and {@value #IN_FLIGHT} requests in flight; {@code submitted}
     * counts the jobs answered as each request is. An item is accepted when its result's status is
     * 201 or 200; a request answered otherwise (or not at all) counts every one of its jobs rejected,
     * its answer the first rejection if none came before.
     */
    static Submitted submit(
            HttpClient http, URI batchUri, String token, List<Job> jobs, int chunk, AtomicInteger submitted)
            throws InterruptedException {
        if (chunk < 1) {
            throw new IllegalArgumentException("chunk must be positive: " + chunk);
        }
        AtomicInteger accepted = new AtomicInteger();
        AtomicInteger requests = new AtomicInteger();
        AtomicReference<String> firstRejection = new AtomicReference<>();
        AtomicReference<String> sampleId = new AtomicReference<>();
        List<List<Job>> chunks = chunks(jobs, chunk);
        ExecutorService pool = Executors.newFixedThreadPool(
                Math.max(1, Math.min(IN_FLIGHT, chunks.size())),
                Thread.ofPlatform().name("demo-submit-", 0).daemon().factory());
        long start = System.nanoTime();
        try {
            List<Future<Void>> sent = new ArrayList<>(chunks.size());
            for (List<Job> part : chunks) {
                sent.add(pool.submit(() -> {
                    try {
                        requests.incrementAndGet();
                        send(http, batchUri, token, part, accepted, firstRejection, sampleId);
                    } finally {
                        submitted.addAndGet(part.size());
                    }
                    return null;
                }));
            }
            for (Future<Void> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("submitting the demo batch failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        long nanos = System.nanoTime() - start;
        int ok = accepted.get();
        return new Submitted(ok, jobs.size() - ok, firstRejection.get(), sampleId.get(), requests.get(), nanos);
    }

    /** {@code jobs} in consecutive parts of {@code chunk} (the last one smaller). */
    static List<List<Job>> chunks(List<Job> jobs, int chunk) {
        List<List<Job>> parts = new ArrayList<>((jobs.size() + chunk - 1) / chunk);
        for (int from = 0; from < jobs.size(); from += chunk) {
            parts.add(jobs.subList(from, Math.min(jobs.size(), from + chunk)));
        }
        return parts;
    }

    /** The body of {@code POST /jobs:batch} for {@code jobs}. */
    static String batchJson(List<Job> jobs) {
        return jobs.stream().map(Job::json).collect(Collectors.joining(",", "{\"jobs\":[", "]}"));
    }

    private static void send(
            HttpClient http,
            URI batchUri,
            String token,
            List<Job> part,
            AtomicInteger accepted,
            AtomicReference<String> firstRejection,
            AtomicReference<String> sampleId)
            throws InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(batchUri)
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json")
                .header("Accept", "application/json")
                .header("Authorization", "Bearer " + token)
                .POST(HttpRequest.BodyPublishers.ofString(batchJson(part)))
                .build();
        HttpResponse<String> response;
        try {
            response = http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            firstRejection.compareAndSet(null, e.toString());
            return;
        }
        if (response.statusCode() != 200) {
            // the envelope was refused: nothing of this request was stored
            firstRejection.compareAndSet(null, "HTTP " + response.statusCode() + " " + abbreviate(response.body()));
            return;
        }
        JsonNode results;
        try {
            results = JSON.readTree(response.body()).path("results");
        } catch (JacksonException e) {
            firstRejection.compareAndSet(null, "HTTP 200 that is not JSON: " + abbreviate(response.body()));
            return;
        }
        if (!results.isArray() || results.size() != part.size()) {
            // an answer that does not say what became of each job: count none as accepted
            firstRejection.compareAndSet(
                    null,
                    "HTTP 200 without one result per job (" + part.size() + " sent): " + abbreviate(response.body()));
            return;
        }
        for (JsonNode result : results) {
            int status = result.path("status").asInt();
            if (status == 201 || status == 200) {
                accepted.incrementAndGet();
                String id = result.path("job").path("id").asString(null);
                if (id != null) {
                    sampleId.compareAndSet(null, id);
                }
            } else {
                firstRejection.compareAndSet(
                        null,
                        "item " + result.path("index").asInt() + ": " + status + " "
                                + abbreviate(result.path("problem").toString()));
            }
        }
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
