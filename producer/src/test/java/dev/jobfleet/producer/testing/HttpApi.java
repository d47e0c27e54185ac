package dev.jobfleet.producer.testing;

import dev.jobfleet.model.JobCodec;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import tools.jackson.databind.JsonNode;

/**
 * A plain HTTP/1.1 client for the app under test: what a caller on the network sees. It sends
 * {@code Authorization: Bearer} with the operator's test token unless {@link #as} says otherwise.
 */
public final class HttpApi {
    private static final HttpClient CLIENT = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    private final HttpClient client = CLIENT;
    private final String base;
    private final String token;

    public HttpApi(int port) {
        this(port, TestTokens.OPERATOR);
    }

    private HttpApi(int port, String token) {
        this.base = "http://127.0.0.1:" + port;
        this.token = token;
    }

    /** The same API as the caller with {@code token}; null sends no Authorization header at all. */
    public HttpApi as(String token) {
        return new HttpApi(Integer.parseInt(base.substring(base.lastIndexOf(':') + 1)), token);
    }

    public HttpRequest.Builder request(String path) {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return request;
    }

    public Response get(String path) {
        return send(request(path).GET());
    }

    /** POST a JSON body, with header name/value pairs. */
    public Response post(String path, String json, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.POST(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** PUT a JSON body. */
    public Response put(String path, String json) {
        return send(request(path)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(json)));
    }

    /** PATCH a JSON merge patch (application/merge-patch+json), with header name/value pairs. */
    public Response patch(String path, String json, String... headers) {
        HttpRequest.Builder request = request(path).header("Content-Type", "application/merge-patch+json");
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return send(request.method("PATCH", HttpRequest.BodyPublishers.ofString(json)));
    }

    public Response delete(String path) {
        return send(request(path).DELETE());
    }

    public Response post(String path) {
        return send(request(path).POST(HttpRequest.BodyPublishers.noBody()));
    }

    public Response send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Response(response.statusCode(), response.headers(), response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    public record Response(int status, HttpHeaders headers, String body) {
        public JsonNode json() {
            return JobCodec.mapper().readTree(body);
        }

        public String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        public UUID id() {
            return UUID.fromString(json().get("id").stringValue());
        }

        /** A response header, or null. */
        public String header(String name) {
            return headers.firstValue(name).orElse(null);
        }

        @Override
        public String toString() {
            return status + " " + body;
        }
    }
}
