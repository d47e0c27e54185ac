package dev.jobfleet.producer.security;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What the slow password encoder said about a token, remembered so that it runs once per token and
 * not once per request. Keyed by the SHA-256 of the token, never the token itself: a heap dump
 * shows digests, which cannot be presented as tokens. Bounded: the least recently used entry goes
 * first; entries expire after a while, so a removed token does not live on in a long-running pod
 * beyond that. Refusals are remembered too, so a wrong token repeated costs one verification.
 */
final class VerifiedTokenCache {
    /** A verification: the caller, or {@code null} for a refused token. */
    record Verdict(Caller caller, long expiresAtMillis) {}

    private final int maxSize;
    private final long ttlMillis;
    private final Clock clock;
    private final LinkedHashMap<String, Verdict> entries;

    VerifiedTokenCache(int maxSize, Duration ttl, Clock clock) {
        this.maxSize = maxSize;
        this.ttlMillis = ttl.toMillis();
        this.clock = clock;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Verdict> eldest) {
                return size() > VerifiedTokenCache.this.maxSize;
            }
        };
    }

    /** The remembered verdict for the token with this digest; empty when unknown or expired. */
    synchronized Optional<Verdict> get(String digest) {
        if (maxSize == 0) {
            return Optional.empty();
        }
        Verdict verdict = entries.get(digest);
        if (verdict == null) {
            return Optional.empty();
        }
        if (verdict.expiresAtMillis() <= clock.millis()) {
            entries.remove(digest);
            return Optional.empty();
        }
        return Optional.of(verdict);
    }

    /** Remembers {@code caller} (null: refused) for the token with this digest. */
    synchronized void put(String digest, Caller caller) {
        if (maxSize > 0) {
            entries.put(digest, new Verdict(caller, clock.millis() + ttlMillis));
        }
    }

    synchronized int size() {
        return entries.size();
    }

    /** The key of a token: its SHA-256, hex. */
    static String digest(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
