package dev.jobfleet.infra.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Submits through {@code POST /jobs}, {@code concurrency} requests in flight, as clients of the API
 * would: this measures the whole path (API, outbox, relay, Kafka, workers).
 */
final class HttpSubmitter {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");

    private final URI jobsUri;
    private final String token;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** @param token the bearer token of a submitter or an operator */
    HttpSubmitter(URI producer, String token) {
        this.jobsUri = producer.resolve("/jobs");
        this.token = token;
    }

    Submitted submit(int jobs, int concurrency, int rate, String type, String payloadJson) throws InterruptedException {
        String body = "{\"type\":\"" + type + "\",\"payload\":" + payloadJson + "}";
        List<UUID> accepted = Collections.synchronizedList(new ArrayList<>(jobs));
        AtomicInteger failed = new AtomicInteger();
        AtomicReference<String> firstFailure = new AtomicReference<>();
        Pacer pacer = new Pacer(jobs, rate);
        ExecutorService pool = Executors.newFixedThreadPool(
                concurrency, Thread.ofPlatform().name("load-http-", 0).daemon().factory());
        long start = System.nanoTime();
        pacer.start();
        for (int t = 0; t < concurrency; t++) {
            pool.execute(() -> {
                while (pacer.await() >= 0) {
                    try {
                        HttpResponse<String> response = http.send(
                                HttpRequest.newBuilder(jobsUri)
                                        .timeout(Duration.ofSeconds(30))
                                        .header("Content-Type", "application/json")
                                        .header("Authorization", "Bearer " + token)
                                        .POST(HttpRequest.BodyPublishers.ofString(body))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        Matcher id = ID.matcher(response.body());
                        if (response.statusCode() / 100 == 2 && id.find()) {
                            accepted.add(UUID.fromString(id.group(1)));
                        } else {
                            failed.incrementAndGet();
                            firstFailure.compareAndSet(null, "HTTP " + response.statusCode() + " " + response.body());
                        }
                    } catch (IOException e) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, e.toString());
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            });
        }
        pool.shutdown();
        if (!pool.awaitTermination(1, TimeUnit.HOURS)) {
            pool.shutdownNow();
        }
        return new Submitted(List.copyOf(accepted), failed.get(), firstFailure.get(), start, System.nanoTime());
    }
}
