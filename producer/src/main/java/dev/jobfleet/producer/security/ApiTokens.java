package dev.jobfleet.producer.security;

import java.security.SecureRandom;
import java.util.Base64;
import org.springframework.security.crypto.factory.PasswordEncoderFactories;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * API tokens: 256 random bits, {@code jf_} and 43 base64url characters (no dots, so never taken
 * for a JWT), stored only as a hash made by Spring Security's delegating password encoder
 * ({@code {bcrypt}...} by default; {@code {pbkdf2}}, {@code {argon2}}... are read too).
 */
public final class ApiTokens {
    /** The prefix of tokens made here; a token may be any string, this one only says where it came from. */
    public static final String PREFIX = "jf_";

    private static final SecureRandom RANDOM = new SecureRandom();
    private static final PasswordEncoder ENCODER = PasswordEncoderFactories.createDelegatingPasswordEncoder();

    private ApiTokens() {}

    /** A new random token. */
    public static String generate() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return PREFIX + Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The hash to configure for {@code token}: {@code {bcrypt}$2a$10$...}. */
    public static String hash(String token) {
        return ENCODER.encode(token);
    }

    /** The encoder that reads every configured hash, whatever its {@code {id}}. */
    static PasswordEncoder encoder() {
        return ENCODER;
    }
}
