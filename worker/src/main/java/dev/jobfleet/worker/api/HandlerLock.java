package dev.jobfleet.worker.api;

import java.time.Instant;

/**
 * A handler lock this run holds, as {@link JobContext#withLock} hands it to the locked work.
 *
 * @param name the lock's name
 * @param fence this acquisition's fencing token: larger than that of every earlier acquisition of
 *     the name. A resource the work writes to can record the largest fence it has seen and refuse
 *     writes with a smaller one, which shuts out a holder that stalled past {@code expiresAt} and
 *     wakes up after the next holder wrote.
 * @param expiresAt when the lock lapses if not released (database clock)
 */
public record HandlerLock(String name, long fence, Instant expiresAt) {}
