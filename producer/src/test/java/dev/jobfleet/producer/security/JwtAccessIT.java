package dev.jobfleet.producer.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import dev.jobfleet.producer.ProducerApplication;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.TableCounts;
import dev.jobfleet.producer.testing.TestDatabaseConfiguration;
import dev.jobfleet.producer.testing.TestTokens;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.context.annotation.Import;
import org.springframework.kafka.test.context.EmbeddedKafka;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * JWTs as an alternative to API tokens: with {@code
 * spring.security.oauth2.resourceserver.jwt.jwk-set-uri} set (here a JWK set served on the loopback
 * interface, the key made by the test: no network), a signed JWT is a caller {@code jwt:<sub>} with
 * the roles named in the configured claim ({@code groups} here). A JWT without a known role may do
 * nothing; one signed by another key, or expired, is a 401; API tokens keep working beside them.
 */
@SpringBootTest(
        classes = ProducerApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "jobfleet.producer.relay.enabled=false",
            "jobfleet.security.jwt.roles-claim=groups",
            "jobfleet.test.pool-size=4"
        })
@EmbeddedKafka(partitions = 1, bootstrapServersProperty = "spring.kafka.bootstrap-servers")
@Import(TestDatabaseConfiguration.class)
class JwtAccessIT {
    private static final RSAKey KEY = key("jobfleet-test");
    private static final RSAKey OTHER_KEY = key("someone-else");
    private static final HttpServer JWKS = serve(new JWKSet(KEY.toPublicJWK()).toString());

    @LocalServerPort
    int port;

    @Autowired
    DataSource dataSource;

    @DynamicPropertySource
    static void jwkSet(DynamicPropertyRegistry registry) {
        registry.add(
                "spring.security.oauth2.resourceserver.jwt.jwk-set-uri",
                () -> "http://127.0.0.1:" + JWKS.getAddress().getPort() + "/jwks");
    }

    @AfterAll
    static void stop() {
        JWKS.stop(0);
    }

    @Test
    void aSignedJwtIsACallerWithTheRolesOfItsClaim() {
        HttpApi alice = new HttpApi(port).as(jwt(KEY, "alice", List.of("submitter"), 300));

        HttpApi.Response submitted = alice.post("/jobs", "{\"type\": \"jwt.job\"}");

        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(201);
        assertThat(submitted.json().get("submittedBy").stringValue()).isEqualTo("jwt:alice");
        assertThat(alice.get("/me").json().get("roles").get(0).stringValue()).isEqualTo("submitter");
        assertThat(alice.get("/jobs/" + submitted.id()).status()).isEqualTo(200);
        // alice may not read what another JWT subject submitted, nor change limits
        HttpApi bob = new HttpApi(port).as(jwt(KEY, "bob", "submitter viewer", 300));
        assertThat(bob.get("/jobs/" + submitted.id()).status())
                .as("bob is a viewer too")
                .isEqualTo(200);
        HttpApi carol = new HttpApi(port).as(jwt(KEY, "carol", List.of("ROLE_SUBMITTER"), 300));
        assertThat(carol.get("/jobs/" + submitted.id()).status()).isEqualTo(404);
        assertThat(alice.put("/concurrency-limits/jwt", "{\"maxRunning\": 1}").status())
                .isEqualTo(403);
        HttpApi operator = new HttpApi(port).as(jwt(KEY, "ops-bot", List.of("operator"), 300));
        assertThat(operator.put("/concurrency-limits/jwt", "{\"maxRunning\": 1}")
                        .status())
                .isEqualTo(200);
    }

    @Test
    void aJwtWithoutAKnownRoleAnotherKeysOrAnExpiredOneGetsNothing() {
        TableCounts before = TableCounts.of(dataSource);

        HttpApi noRole = new HttpApi(port).as(jwt(KEY, "mallory", List.of("admin", "root"), 300));
        HttpApi forged = new HttpApi(port).as(jwt(OTHER_KEY, "mallory", List.of("operator"), 300));
        HttpApi expired = new HttpApi(port).as(jwt(KEY, "mallory", List.of("operator"), -120));

        assertThat(noRole.post("/jobs", "{\"type\": \"jwt.job\"}").status()).isEqualTo(403);
        assertThat(noRole.get("/jobs").status()).isEqualTo(403);
        HttpApi.Response forgedAnswer = forged.post("/jobs", "{\"type\": \"jwt.job\"}");
        assertThat(forgedAnswer.status()).isEqualTo(401);
        assertThat(forgedAnswer.header("WWW-Authenticate")).startsWith("Bearer").contains("invalid_token");
        assertThat(forgedAnswer.contentType()).startsWith("application/problem+json");
        assertThat(expired.post("/jobs", "{\"type\": \"jwt.job\"}").status()).isEqualTo(401);
        assertThat(TableCounts.of(dataSource)).isEqualTo(before);
        // API tokens are still accepted next to JWTs
        assertThat(new HttpApi(port).as(TestTokens.VIEWER).get("/jobs").status())
                .isEqualTo(200);
        System.out.println("JWT: roles from claim 'groups'; no role -> 403, other key -> 401, expired -> 401;"
                + " API tokens still accepted");
    }

    private static String jwt(RSAKey key, String subject, Object groups, long secondsToLive) {
        Instant now = Instant.now();
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .issuer("https://issuer.test")
                .issueTime(Date.from(now.minusSeconds(600)))
                .expirationTime(Date.from(now.plusSeconds(secondsToLive)))
                .claim("groups", groups)
                .build();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(key.getKeyID()).build(), claims);
        try {
            jwt.sign(new RSASSASigner(key));
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
        return jwt.serialize();
    }

    private static RSAKey key(String id) {
        try {
            return new RSAKeyGenerator(2048).keyID(id).generate();
        } catch (JOSEException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpServer serve(String jwks) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
            server.createContext("/jwks", exchange -> {
                byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(200, body.length);
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(body);
                }
            });
            server.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
