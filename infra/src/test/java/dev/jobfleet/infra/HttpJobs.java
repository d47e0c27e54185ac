package dev.jobfleet.infra;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Submits jobs through {@code POST /jobs} as a client would, a few at a time, and keeps every answer. */
final class HttpJobs {
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([0-9a-f-]{36})\"");
    private static final int CONCURRENCY = 8;

    /** One answer: the status, the job id it names (null if none) and the body. */
    record Answer(int status, UUID id, String body) {}

    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final URI jobs;
    private final String token;

    /** @param token the bearer token the requests carry */
    HttpJobs(URI jobs, String token) {
        this.jobs = jobs;
        this.token = token;
    }

    /** POST every job, {@value #CONCURRENCY} at a time; the answers in the order of {@code planned}. */
    List<Answer> submit(List<DemoBatch.Job> planned) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(
                CONCURRENCY, Thread.ofPlatform().name("http-jobs-", 0).daemon().factory());
        try {
            List<Future<Answer>> sent = new ArrayList<>(planned.size());
            for (DemoBatch.Job job : planned) {
                sent.add(pool.submit(() -> post(job)));
            }
            List<Answer> answers = new ArrayList<>(planned.size());
            for (Future<Answer> f : sent) {
                answers.add(f.get());
            }
            return answers;
        } finally {
            pool.shutdownNow();
        }
    }

    private Answer post(DemoBatch.Job job) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(
                HttpRequest.newBuilder(jobs)
                        .timeout(Duration.ofSeconds(30))
                        .header("Content-Type", "application/json")
                        .header("Authorization", "Bearer " + token)
                        .POST(HttpRequest.BodyPublishers.ofString(job.json()))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        Matcher id = ID.matcher(response.body());
        return new Answer(response.statusCode(), id.find() ? UUID.fromString(id.group(1)) : null, response.body());
    }

    /** The ids of answers with {@code status}. */
    static List<UUID> ids(List<Answer> answers, int status) {
        return answers.stream()
                .filter(a -> a.status() == status)
                .map(Answer::id)
                .toList();
    }
}
