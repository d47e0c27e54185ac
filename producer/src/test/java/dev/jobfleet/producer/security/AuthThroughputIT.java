package dev.jobfleet.producer.security;

import static org.assertj.core.api.Assertions.assertThat;

import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TestDatabaseConfiguration;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.context.SecurityContextHolderFilter;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * What authentication costs {@code POST /jobs}, the hot path (16 clients, each phase a fixed time
 * after a warm-up). Three apps: auth on as shipped (the token verified once, then found in the
 * cache by its SHA-256); auth off (every request already an operator, no token read, no rule
 * checked); and the negative control, the naive version that runs the password encoder (bcrypt)
 * on every request. The cache must keep auth-on close to auth-off; the naive version collapses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuthThroughputIT {
    private static final int CLIENTS = 16;
    private static final Duration WARM_UP = Duration.ofSeconds(3);
    private static final Duration MEASURE = Duration.ofSeconds(4);
    private static final int ROUNDS = 3;
    private static final Map<String, Double> rates = new TreeMap<>();

    @AfterAll
    void compare() {
        double on = rates.get("on");
        double off = rates.get("off");
        double naive = rates.get("naive");
        System.out.printf(
                "auth throughput, POST /jobs, %d clients: auth off %.0f req/s, auth on (cached) %.0f req/s (%.0f%%),"
                        + " naive bcrypt per request %.0f req/s%n",
                CLIENTS, off, on, 100 * on / off, naive);
        assertThat(on).as("the cache keeps auth close to free").isGreaterThan(0.5 * off);
        assertThat(on).as("the naive version collapses").isGreaterThan(10 * naive);
    }

    /**
     * The app as shipped, and the same app with authentication skipped for requests that carry a
     * benchmark header (a test-only filter chain in front of jobfleet's): rounds of each in turn, so
     * that both see the same machine, JIT and table size.
     */
    @Nested
    @SpringBootTest(
            classes = ProducerApplication.class,
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {"jobfleet.producer.relay.enabled=false", "jobfleet.test.pool-size=16"})
    @EmbeddedKafka(partitions = 1, bootstrapServersProperty = "spring.kafka.bootstrap-servers")
    @Import({TestDatabaseConfiguration.class, AuthOnAndOff.Open.class})
    class AuthOnAndOff {
        static final String OPEN = "X-Benchmark-Skip-Auth";

        @LocalServerPort
        int port;

        @Autowired
        ApiTokenVerifier verifier;

        @Test
        void measure() throws Exception {
            HttpApi on = new HttpApi(port);
            HttpApi off = new HttpApi(port).as(null);
            long runsBefore = verifier.encoderRuns();
            run(on, WARM_UP, 201, null);
            run(off, WARM_UP, 201, OPEN);
            double onTotal = 0;
            double offTotal = 0;
            for (int round = 0; round < ROUNDS; round++) {
                offTotal += rate(off, OPEN);
                onTotal += rate(on, null);
            }
            rates.put("on", onTotal / ROUNDS);
            rates.put("off", offTotal / ROUNDS);
            assertThat(verifier.encoderRuns() - runsBefore)
                    .as("the encoder ran for the first requests only: at most max-concurrent-verifications x tokens")
                    .isLessThanOrEqualTo(2 * 4);
        }

        @TestConfiguration(proxyBeanMethods = false)
        static class Open {
            @Bean
            @Order(Ordered.HIGHEST_PRECEDENCE)
            SecurityFilterChain open(HttpSecurity http) throws Exception {
                Caller operator = Caller.token("benchmark", Role.OPERATOR);
                return http.securityMatcher(request -> request.getHeader(OPEN) != null)
                        .csrf(AbstractHttpConfigurer::disable)
                        .authorizeHttpRequests(rules -> rules.anyRequest().permitAll())
                        .addFilterAfter(
                                new OncePerRequestFilter() {
                                    @Override
                                    protected void doFilterInternal(
                                            HttpServletRequest request, HttpServletResponse response, FilterChain chain)
                                            throws ServletException, IOException {
                                        SecurityContextHolder.getContext()
                                                .setAuthentication(new CallerAuthentication(operator));
                                        chain.doFilter(request, response);
                                    }
                                },
                                SecurityContextHolderFilter.class)
                        .build();
            }
        }
    }

    /** The naive version: the password encoder on every request (no cache), as many at once as there are clients. */
    @Nested
    @SpringBootTest(
            classes = ProducerApplication.class,
            webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
            properties = {
                "jobfleet.producer.relay.enabled=false",
                "jobfleet.test.pool-size=16",
                "jobfleet.security.token-cache-size=0",
                "jobfleet.security.max-concurrent-verifications=16",
                "jobfleet.security.verification-wait=60s"
            })
    @EmbeddedKafka(partitions = 1, bootstrapServersProperty = "spring.kafka.bootstrap-servers")
    @Import(TestDatabaseConfiguration.class)
    class Naive {
        @LocalServerPort
        int port;

        @Autowired
        ApiTokenVerifier verifier;

        @Test
        void measure() throws Exception {
            long runsBefore = verifier.encoderRuns();
            rates.put("naive", load(new HttpApi(port), 201));
            assertThat(verifier.encoderRuns() - runsBefore)
                    .as("the control really ran the encoder per request")
                    .isGreaterThan(CLIENTS);
        }
    }

    /** POST /jobs from 16 clients: warm up, then count answers with {@code expected} over a fixed time. */
    private static double load(HttpApi api, int expected) throws Exception {
        run(api, WARM_UP, expected, null);
        return rate(api, null);
    }

    /** Requests per second over {@link #MEASURE}; every answer must be a 201. */
    private static double rate(HttpApi api, String header) throws Exception {
        long[] counted = run(api, MEASURE, 201, header);
        assertThat(counted[1]).as("answers other than 201").isZero();
        assertThat(counted[0]).as("requests answered").isPositive();
        return counted[0] / (MEASURE.toNanos() / 1e9);
    }

    private static long[] run(HttpApi api, Duration duration, int expected, String header) throws Exception {
        AtomicLong ok = new AtomicLong();
        AtomicLong other = new AtomicLong();
        CountDownLatch start = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
        List<Future<?>> clients = new ArrayList<>();
        long end = System.nanoTime() + duration.toNanos();
        for (int c = 0; c < CLIENTS; c++) {
            clients.add(pool.submit(() -> {
                start.await();
                while (System.nanoTime() < end) {
                    HttpApi.Response response = header == null
                            ? api.post("/jobs", "{\"type\": \"bench.auth\"}")
                            : api.post("/jobs", "{\"type\": \"bench.auth\"}", header, "1");
                    (response.status() == expected ? ok : other).incrementAndGet();
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> client : clients) {
            client.get(duration.toSeconds() + 120, TimeUnit.SECONDS);
        }
        pool.shutdownNow();
        return new long[] {ok.get(), other.get()};
    }
}
