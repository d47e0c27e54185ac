package dev.jobfleet.producer.security;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.crypto.password.PasswordEncoder;

/**
 * Checks a presented API token against the configured hashes. The password encoder is slow on
 * purpose (bcrypt: tens of milliseconds), which at thousands of requests per second would be the
 * bottleneck, so each token is verified once and the verdict kept in a {@link VerifiedTokenCache}.
 * Verifications of tokens not in the cache run at most {@code maxConcurrent} at a time: a flood of
 * made-up tokens cannot take every core; a request that waits longer than {@code wait} for its turn
 * is answered 503 ({@link VerificationBusyException}).
 */
public class ApiTokenVerifier {
    private static final Logger log = LoggerFactory.getLogger(ApiTokenVerifier.class);

    /** Longer than any token worth checking; refused without running the encoder. */
    static final int MAX_TOKEN_LENGTH = 1024;

    private record Configured(String name, Role role, String hash) {}

    private final List<Configured> tokens;
    private final PasswordEncoder encoder;
    private final VerifiedTokenCache cache;
    private final Semaphore verifications;
    private final long waitMillis;
    private final AtomicLong encoderRuns = new AtomicLong();

    public ApiTokenVerifier(AccessProperties properties, Clock clock) {
        this(properties.tokens(), ApiTokens.encoder(), properties, clock);
    }

    ApiTokenVerifier(
            Map<String, AccessProperties.Token> tokens,
            PasswordEncoder encoder,
            AccessProperties properties,
            Clock clock) {
        this.tokens = tokens.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .map(e -> new Configured(
                        e.getKey(), e.getValue().parsedRole(), e.getValue().hash()))
                .toList();
        this.encoder = encoder;
        this.cache = new VerifiedTokenCache(properties.tokenCacheSize(), properties.tokenCacheTtl(), clock);
        this.verifications = new Semaphore(properties.maxConcurrentVerifications(), true);
        this.waitMillis = properties.verificationWait().toMillis();
    }

    /** Whether any token is configured at all. */
    public boolean hasTokens() {
        return !tokens.isEmpty();
    }

    /**
     * The caller {@code token} belongs to, or empty when it matches no configured token.
     *
     * @throws VerificationBusyException when it is not in the cache and no verification slot came free in time
     */
    public Optional<Caller> verify(String token) {
        if (tokens.isEmpty() || token.isEmpty() || token.length() > MAX_TOKEN_LENGTH) {
            return Optional.empty();
        }
        String digest = VerifiedTokenCache.digest(token);
        Optional<VerifiedTokenCache.Verdict> known = cache.get(digest);
        if (known.isPresent()) {
            return Optional.ofNullable(known.get().caller());
        }
        acquire();
        try {
            // another request may have verified the same token while this one waited
            known = cache.get(digest);
            if (known.isPresent()) {
                return Optional.ofNullable(known.get().caller());
            }
            Caller caller = match(token);
            cache.put(digest, caller);
            return Optional.ofNullable(caller);
        } finally {
            verifications.release();
        }
    }

    /** How often the password encoder ran: once per distinct token while the cache holds it. */
    public long encoderRuns() {
        return encoderRuns.get();
    }

    private Caller match(String token) {
        for (Configured configured : tokens) {
            encoderRuns.incrementAndGet();
            try {
                if (encoder.matches(token, configured.hash())) {
                    return Caller.token(configured.name(), configured.role());
                }
            } catch (IllegalArgumentException e) {
                // a token the encoder cannot take (bcrypt: over 72 bytes) matches nothing
                log.debug("token refused by the encoder of {}: {}", configured.name(), e.getMessage());
            }
        }
        return null;
    }

    private void acquire() {
        try {
            if (!verifications.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
                throw new VerificationBusyException();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new VerificationBusyException();
        }
    }
}
