package dev.jobfleet.producer.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.security.crypto.password.PasswordEncoder;

class ApiTokenVerifierTest {
    private static final String OPS = ApiTokens.generate();
    private static final Map<String, AccessProperties.Token> TOKENS =
            Map.of("ops", new AccessProperties.Token("operator", ApiTokens.hash(OPS)));

    /** Counts the slow encoder's runs. */
    private final AtomicInteger runs = new AtomicInteger();

    private final PasswordEncoder counting = new PasswordEncoder() {
        @Override
        public String encode(CharSequence raw) {
            return ApiTokens.encoder().encode(raw);
        }

        @Override
        public boolean matches(CharSequence raw, String encoded) {
            runs.incrementAndGet();
            return ApiTokens.encoder().matches(raw, encoded);
        }
    };

    @Test
    void aTokenIsVerifiedOnceThenFoundByItsDigest() {
        ApiTokenVerifier verifier = verifier(10, Clock.systemUTC());

        for (int i = 0; i < 5; i++) {
            assertThat(verifier.verify(OPS)).contains(Caller.token("ops", Role.OPERATOR));
        }
        for (int i = 0; i < 5; i++) {
            assertThat(verifier.verify("jf_wrong")).isEmpty();
        }

        assertThat(runs.get())
                .as("one run for the token, one for the wrong one")
                .isEqualTo(2);
        assertThat(verifier.encoderRuns()).isEqualTo(2);
    }

    @Test
    void theNaiveSettingRunsTheEncoderEveryTime() {
        ApiTokenVerifier verifier = verifier(0, Clock.systemUTC());
        for (int i = 0; i < 3; i++) {
            assertThat(verifier.verify(OPS)).isPresent();
        }
        assertThat(runs.get()).isEqualTo(3);
    }

    @Test
    void theCacheIsBoundedExpiresAndHoldsDigestsOnly() {
        Instant[] now = {Instant.parse("2026-01-01T00:00:00Z")};
        Clock clock = new Clock() {
            @Override
            public java.time.ZoneId getZone() {
                return ZoneOffset.UTC;
            }

            @Override
            public Clock withZone(java.time.ZoneId zone) {
                return this;
            }

            @Override
            public Instant instant() {
                return now[0];
            }
        };
        VerifiedTokenCache cache = new VerifiedTokenCache(2, Duration.ofMinutes(1), clock);
        cache.put(VerifiedTokenCache.digest("a"), null);
        cache.put(VerifiedTokenCache.digest("b"), null);
        cache.put(VerifiedTokenCache.digest("c"), null);
        assertThat(cache.size()).isEqualTo(2);
        assertThat(cache.get(VerifiedTokenCache.digest("a")))
                .as("the eldest went first")
                .isEmpty();
        assertThat(VerifiedTokenCache.digest(OPS)).hasSize(64).doesNotContain(OPS.substring(3));
        now[0] = now[0].plus(Duration.ofMinutes(2));
        assertThat(cache.get(VerifiedTokenCache.digest("c"))).as("expired").isEmpty();
    }

    @Test
    void tokensTheEncoderCannotTakeMatchNothing() {
        ApiTokenVerifier verifier = verifier(10, Clock.systemUTC());
        assertThat(verifier.verify("x".repeat(100))).isEmpty(); // bcrypt refuses over 72 bytes
        assertThat(verifier.verify("x".repeat(5000))).isEmpty();
        assertThat(verifier.verify("")).isEmpty();
    }

    @Test
    void propertiesRefuseWhatCouldNeverWork() {
        assertThatThrownBy(() -> properties(Map.of("Ops-1", new AccessProperties.Token("operator", "{bcrypt}x"))))
                .hasMessageContaining("lower-case letters and digits");
        assertThatThrownBy(() -> properties(Map.of("ops", new AccessProperties.Token("admin", "{bcrypt}x"))))
                .hasMessageContaining("submitter, viewer, operator");
        assertThatThrownBy(() -> properties(Map.of("ops", new AccessProperties.Token("viewer", "plain"))))
                .hasMessageContaining("HashToken");
        assertThat(new AccessProperties.Token("viewer", "{bcrypt}secret").toString())
                .doesNotContain("secret");
    }

    @Test
    void hashTokenPrintsATokenAndSettingsThatAcceptIt() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int code = HashToken.run(
                new String[] {"--name", "ci", "--role", "submitter"},
                new PrintStream(out, true, StandardCharsets.UTF_8),
                System.err,
                new BufferedReader(new StringReader("")));
        String printed = out.toString(StandardCharsets.UTF_8);
        String token = printed.lines()
                .filter(l -> l.startsWith("token: "))
                .findFirst()
                .orElseThrow()
                .substring(7);
        String hash = printed.lines()
                .filter(l -> l.startsWith("JOBFLEET_SECURITY_TOKENS_CI_HASH='"))
                .findFirst()
                .orElseThrow()
                .replaceAll("^[^']*'|'$", "");

        assertThat(code).isZero();
        assertThat(printed).contains("JOBFLEET_SECURITY_TOKENS_CI_ROLE=submitter");
        assertThat(ApiTokens.encoder().matches(token, hash)).isTrue();
        assertThat(HashToken.run(
                        new String[] {"--role", "root"},
                        System.out,
                        new PrintStream(new ByteArrayOutputStream()),
                        null))
                .isEqualTo(2);
        assertThat(Set.of(token.substring(0, 3))).containsExactly(ApiTokens.PREFIX);
    }

    private ApiTokenVerifier verifier(int cacheSize, Clock clock) {
        AccessProperties properties = new AccessProperties(
                TOKENS,
                new AccessProperties.Jwt("roles", "sub"),
                cacheSize,
                Duration.ofMinutes(10),
                2,
                Duration.ofSeconds(2));
        return new ApiTokenVerifier(TOKENS, counting, properties, clock);
    }

    private static AccessProperties properties(Map<String, AccessProperties.Token> tokens) {
        return new AccessProperties(
                tokens, new AccessProperties.Jwt("roles", "sub"), 10, Duration.ofMinutes(10), 2, Duration.ofSeconds(2));
    }
}
