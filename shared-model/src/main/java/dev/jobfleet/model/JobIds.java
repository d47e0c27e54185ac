package dev.jobfleet.model;

import java.security.SecureRandom;
import java.time.Clock;
import java.util.UUID;

/**
 * Job ids: UUID version 7 (RFC 9562), time-ordered so that new jobs land at the right edge of the
 * primary key index instead of all over it.
 */
public final class JobIds {
    private static final SecureRandom RANDOM = new SecureRandom();

    private JobIds() {}

    public static UUID next() {
        return next(Clock.systemUTC());
    }

    public static UUID next(Clock clock) {
        long millis = clock.millis();
        long randA = RANDOM.nextInt(1 << 12);
        long msb = (millis << 16) | (0x7L << 12) | randA;
        long lsb = (RANDOM.nextLong() & 0x3FFF_FFFF_FFFF_FFFFL) | 0x8000_0000_0000_0000L;
        return new UUID(msb, lsb);
    }
}
