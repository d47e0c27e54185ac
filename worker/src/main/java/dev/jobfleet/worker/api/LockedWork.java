package dev.jobfleet.worker.api;

/** The critical section run under a handler lock ({@link JobContext#withLock}). */
@FunctionalInterface
public interface LockedWork<T> {
    T run(HandlerLock lock) throws Exception;
}
