package dev.jobfleet.worker.kafka;

import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one assigned partition that this worker has read but not yet settled, and the
 * watermark they allow to be committed: the first record that is not settled, or the offset after
 * the last one read when all are. A record is settled once its job's outcome is durable, or once
 * nothing was claimable for it (someone else has the job, or it is done, or not due), or once it
 * is kept as a dead letter. Records settle out of order; the watermark only moves past a record
 * once it is settled, so the commit stays at-least-once.
 *
 * <p>Records are added by the poll thread only; any thread settles them.
 */
final class PartitionOffsets {
    private final TopicPartition partition;
    private final ConcurrentSkipListSet<Long> unsettled = new ConcurrentSkipListSet<>();
    private volatile long next = -1;
    private long committed = -1;

    PartitionOffsets(TopicPartition partition) {
        this.partition = partition;
    }

    TopicPartition partition() {
        return partition;
    }

    /** A record was read (poll thread, in offset order); returns the callback that settles it. */
    Runnable received(long offset) {
        unsettled.add(offset);
        if (offset >= next) {
            next = offset + 1;
        }
        return () -> unsettled.remove(offset);
    }

    /** The offset to commit: the first unsettled record, or the one after the last read; -1 before any. */
    long watermark() {
        Long first = unsettled.ceiling(Long.MIN_VALUE);
        return first != null ? first : next;
    }

    int unsettled() {
        return unsettled.size();
    }

    /** The watermark to commit if it moved since the last commit of this partition, else -1. */
    long toCommit() {
        long watermark = watermark();
        return watermark > committed ? watermark : -1;
    }

    void committed(long offset) {
        committed = Math.max(committed, offset);
    }

    /** Forget what was committed (a commit failed): the next round sends the watermark again. */
    void commitFailed() {
        committed = -1;
    }
}
