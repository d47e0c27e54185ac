package dev.jobfleet.cli;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.StringJoiner;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import tools.jackson.databind.JsonNode;

/**
 * The producer's HTTP API as the commands use it: JSON in and out, the token as {@code
 * Authorization: Bearer}, every error status turned into an {@link ApiException} carrying the
 * problem document, every network failure into an {@link UnreachableException}.
 */
final class ApiClient {
    private static final Pattern NEXT_LINK = Pattern.compile("<([^>]+)>\\s*;\\s*rel=\"?next\"?");

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /** A response with a body ({@code null} for {@code 204}) and the link to the next page, if any. */
    record Response(int status, JsonNode body, String nextLink) {}

    ApiClient(URI base, String token, Duration timeout) {
        this.base = base;
        this.token = token;
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout)
                .build();
    }

    URI base() {
        return base;
    }

    JsonNode get(String path) {
        return send("GET", path, null).body();
    }

    Response getPage(String path) {
        return send("GET", path, null);
    }

    JsonNode post(String path) {
        return send("POST", path, null).body();
    }

    JsonNode put(String path, JsonNode body) {
        return send("PUT", path, body).body();
    }

    void delete(String path) {
        send("DELETE", path, null);
    }

    /** {@code segment} escaped for a path: {@code /}, {@code ?}, {@code #} and spaces cannot change the request. */
    static String segment(String segment) {
        return URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** {@code ?a=1&b=x} from the non-null entries of {@code params}; "" when none. */
    static String query(Map<String, ?> params) {
        StringJoiner query = new StringJoiner("&", "?", "").setEmptyValue("");
        params.forEach((name, value) -> {
            if (value != null) {
                query.add(name + "=" + URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
            }
        });
        return query.toString();
    }

    private Response send(String method, String path, JsonNode body) {
        URI uri = resolve(path);
        String request = method + " " + uri.getRawPath() + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
        HttpRequest.Builder builder = HttpRequest.newBuilder(uri)
                .timeout(timeout)
                .header("Accept", "application/json, application/problem+json");
        if (token != null && !token.isBlank()) {
            builder.header("Authorization", "Bearer " + token.strip());
        }
        if (body != null) {
            builder.header("Content-Type", "application/json")
                    .method(method, HttpRequest.BodyPublishers.ofString(body.toString()));
        } else {
            builder.method(method, HttpRequest.BodyPublishers.noBody());
        }
        HttpResponse<String> response;
        try {
            response = http.send(builder.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
        } catch (HttpConnectTimeoutException e) {
            throw new UnreachableException("no connection to " + base + " within " + timeout.toSeconds() + " s", e);
        } catch (HttpTimeoutException e) {
            throw new UnreachableException(
                    request + " got no answer from " + base + " within " + timeout.toSeconds() + " s", e);
        } catch (ConnectException e) {
            throw new UnreachableException("cannot connect to " + base + " (connection refused)", e);
        } catch (IOException e) {
            throw new UnreachableException("cannot reach " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UnreachableException("interrupted while waiting for " + base, e);
        }
        int status = response.statusCode();
        if (status >= 200 && status < 300) {
            JsonNode json = null;
            if (status != 204 && !response.body().isBlank()) {
                json = Json.tryParse(response.body());
                if (json == null) {
                    throw new UnreachableException(
                            request + " answered " + status + " with a body that is not JSON: is " + base
                                    + " a jobfleet producer?",
                            null);
                }
            }
            return new Response(status, json, nextLink(response.headers(), json));
        }
        JsonNode document = Json.tryParse(response.body());
        ApiProblem problem = ApiProblem.fromDocument(status, document);
        throw new ApiException(
                request, problem != null ? problem : ApiProblem.withoutDocument(status, response.body()));
    }

    private URI resolve(String path) {
        URI target = URI.create(path);
        if (target.isAbsolute()) {
            return target;
        }
        String root = base.toString().endsWith("/")
                ? base.toString().substring(0, base.toString().length() - 1)
                : base.toString();
        return URI.create(root + (path.startsWith("/") ? path : "/" + path));
    }

    /** The next page: a {@code next} member of the body, or a {@code Link: <...>; rel="next"} header. */
    private static String nextLink(HttpHeaders headers, JsonNode body) {
        if (body != null && body.isObject() && body.hasNonNull("next")) {
            JsonNode next = body.get("next");
            return next.isString() ? next.stringValue() : Json.text(next.get("href"));
        }
        for (String link : headers.allValues("Link")) {
            Matcher m = NEXT_LINK.matcher(link);
            if (m.find()) {
                return m.group(1);
            }
        }
        return null;
    }
}
