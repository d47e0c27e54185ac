package dev.jobfleet.producer.fleet;

/**
 * How far the group is behind on one partition.
 *
 * @param partition the partition of the jobs topic
 * @param committed the group's committed offset (the next record it will read); null when the group
 *     never committed on this partition
 * @param start the partition's log start offset: where a group without a commit begins (the
 *     workers read from the earliest offset)
 * @param end the partition's end offset (the offset the next record will get)
 * @param lag records the group has yet to read: {@code end - committed}, or {@code end - start}
 *     without a commit
 * @param owner client id of the group member the partition is assigned to; null when unassigned
 * @param host that member's host
 */
public record PartitionLag(int partition, Long committed, long start, long end, long lag, String owner, String host) {

    static PartitionLag of(int partition, Long committed, long start, long end, String owner, String host) {
        long from = committed == null ? start : committed;
        return new PartitionLag(partition, committed, start, end, Math.max(0, end - from), owner, host);
    }
}
