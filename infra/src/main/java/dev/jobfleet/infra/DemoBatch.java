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
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The demo batch: mostly {@code demo.noop}, one in twenty {@code demo.sleep} (50 ms) and one in twenty
 * {@code demo.fail} (fails once, then succeeds on its retry), submitted through the producer's HTTP
 * API as a client would. Every job is expected to end {@code SUCCEEDED}.
 */
final class DemoBatch {
    static final Set<String> TYPES = Set.of("demo.noop", "demo.sleep", "demo.fail");
    private static final int CONCURRENCY = 8;
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    /** One job to submit. */
    record Job(String type, String payloadJson) {
        String json() {
            return "{\"type\":\"" + type + "\",\"payload\":" + payloadJson + "}";
        }
    }

    /**
     * What the producer said.
     *
     * @param accepted answered 2xx
     * @param rejected answered otherwise, or not at all
     * @param firstRejection the first non-2xx answer or error, for the report; null if none
     * @param sampleId the id of one accepted job, for the curl examples; null if none was found
     */
    record Submitted(int accepted, int rejected, String firstRejection, String sampleId) {}

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
     * POST every job to {@code jobsUri}, {@value #CONCURRENCY} at a time; {@code submitted} counts the
     * answers as they come.
     */
    static Submitted submit(HttpClient http, URI jobsUri, List<Job> jobs, AtomicInteger submitted)
            throws InterruptedException {
        AtomicInteger accepted = new AtomicInteger();
        AtomicReference<String> firstRejection = new AtomicReference<>();
        AtomicReference<String> sampleId = new AtomicReference<>();
        Function<Job, Void> send = job -> {
            HttpRequest request = HttpRequest.newBuilder(jobsUri)
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", "application/json")
                    .header("Accept", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(job.json()))
                    .build();
            try {
                HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() / 100 == 2) {
                    accepted.incrementAndGet();
                    Matcher id = ID.matcher(response.body());
                    if (id.find()) {
                        sampleId.compareAndSet(null, id.group(1));
                    }
                } else {
                    firstRejection.compareAndSet(
                            null, "HTTP " + response.statusCode() + " " + abbreviate(response.body()));
                }
            } catch (IOException e) {
                firstRejection.compareAndSet(null, e.toString());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                submitted.incrementAndGet();
            }
            return null;
        };
        ExecutorService pool = Executors.newFixedThreadPool(
                CONCURRENCY,
                Thread.ofPlatform().name("demo-submit-", 0).daemon().factory());
        try {
            List<Future<Void>> sent = new ArrayList<>(jobs.size());
            for (Job job : jobs) {
                sent.add(pool.submit(() -> send.apply(job)));
            }
            for (Future<Void> f : sent) {
                f.get();
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("submitting the demo batch failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
        int ok = accepted.get();
        return new Submitted(ok, jobs.size() - ok, firstRejection.get(), sampleId.get());
    }

    private static String abbreviate(String body) {
        String oneLine = body.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 200 ? oneLine : oneLine.substring(0, 200) + "...";
    }
}
