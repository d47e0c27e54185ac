package dev.jobfleet.producer.security;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Who may call the producer, under {@code jobfleet.security}. API tokens are configured by name,
 * each with a role and the token's hash (never the token):
 *
 * <pre>
 * jobfleet.security.tokens.ops.role=operator
 * jobfleet.security.tokens.ops.hash={bcrypt}$2a$10$...
 * </pre>
 *
 * or as environment variables {@code JOBFLEET_SECURITY_TOKENS_OPS_ROLE} and {@code
 * JOBFLEET_SECURITY_TOKENS_OPS_HASH}. {@link HashToken} makes a token and its hash. JWTs are
 * accepted too when Spring Boot's {@code spring.security.oauth2.resourceserver.jwt.issuer-uri} (or
 * {@code jwk-set-uri}) is set.
 *
 * @param tokens the API tokens by name
 * @param jwt how a JWT's claims become a caller
 * @param tokenCacheSize how many verified tokens (and refused ones) are remembered, by the SHA-256
 *     of the token, so that the slow password encoder runs once per token rather than once per
 *     request; 0 verifies every request
 * @param tokenCacheTtl how long a verification is remembered
 * @param maxConcurrentVerifications slow verifications running at once; more wait, and past
 *     {@code verificationWait} are answered 503, so unknown tokens cannot take every core
 * @param verificationWait how long a request waits for a verification slot
 */
@ConfigurationProperties("jobfleet.security")
public record AccessProperties(
        @DefaultValue Map<String, Token> tokens,
        @DefaultValue Jwt jwt,
        @DefaultValue("10000") int tokenCacheSize,
        @DefaultValue("10m") Duration tokenCacheTtl,
        @DefaultValue("2") int maxConcurrentVerifications,
        @DefaultValue("2s") Duration verificationWait) {

    /**
     * Token names: lower-case letters and digits, so that {@code JOBFLEET_SECURITY_TOKENS_<NAME>_HASH}
     * names exactly one token.
     */
    static final Pattern NAME = Pattern.compile("[a-z0-9]{1,63}");

    public AccessProperties {
        tokens = tokens == null ? Map.of() : new LinkedHashMap<>(tokens);
        tokens.forEach((name, token) -> {
            if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException(
                        "jobfleet.security.tokens." + name + ": a token name is 1 to 63 lower-case letters and digits");
            }
            if (token == null || token.role() == null || token.role().isBlank()) {
                throw new IllegalArgumentException(
                        "jobfleet.security.tokens." + name + ".role is required: one of " + Role.labels());
            }
            if (Role.of(token.role()).isEmpty()) {
                throw new IllegalArgumentException("jobfleet.security.tokens." + name + ".role is '" + token.role()
                        + "'; it must be one of " + Role.labels());
            }
            if (token.hash() == null || !token.hash().matches("\\{[^}]+}.+")) {
                throw new IllegalArgumentException("jobfleet.security.tokens." + name
                        + ".hash must be an encoded token such as {bcrypt}$2a$10$...; make one with HashToken"
                        + " (docs/security.md)");
            }
        });
        tokens = Map.copyOf(tokens);
        if (tokenCacheSize < 0) {
            throw new IllegalArgumentException("jobfleet.security.token-cache-size must not be negative");
        }
        if (maxConcurrentVerifications < 1) {
            throw new IllegalArgumentException("jobfleet.security.max-concurrent-verifications must be at least 1");
        }
        if (tokenCacheTtl.isNegative() || verificationWait.isNegative()) {
            throw new IllegalArgumentException("jobfleet.security durations must not be negative");
        }
    }

    /**
     * @param role {@code submitter}, {@code viewer} or {@code operator}
     * @param hash the token encoded by a Spring Security password encoder, with its {@code {id}} prefix
     */
    public record Token(String role, String hash) {
        /** The role, checked at startup. */
        public Role parsedRole() {
            return Role.of(role).orElseThrow();
        }

        @Override
        public String toString() {
            return "Token[role=" + role + ", hash=(hidden)]";
        }
    }

    /**
     * @param rolesClaim the claim holding the caller's roles: a list of strings or one string with
     *     roles separated by spaces or commas; unknown roles are ignored
     * @param principalClaim the claim naming the caller (recorded as {@code jwt:<value>})
     */
    public record Jwt(
            @DefaultValue("roles") String rolesClaim,
            @DefaultValue("sub") String principalClaim) {}
}
