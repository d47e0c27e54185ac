package dev.jobfleet.producer.fleet;

import java.util.List;

/**
 * The lag of one consumer group on one topic, or why it is unknown.
 *
 * @param group the consumer group
 * @param topic the topic
 * @param known false when Kafka did not answer in time (or refused); {@code error} says why
 * @param total records behind over all partitions; null when unknown
 * @param groupState the group's state as the broker reports it ({@code STABLE}, {@code EMPTY},
 *     {@code DEAD} for a group that does not exist, ...); null when unknown
 * @param members members of the group; null when unknown
 * @param partitions one row per partition of the topic, in partition order; empty when unknown
 * @param error why the lag is unknown; null when known
 */
public record ConsumerLag(
        String group,
        String topic,
        boolean known,
        Long total,
        String groupState,
        Integer members,
        List<PartitionLag> partitions,
        String error) {

    public ConsumerLag {
        partitions = List.copyOf(partitions);
    }

    static ConsumerLag of(String group, String topic, String groupState, int members, List<PartitionLag> partitions) {
        long total = partitions.stream().mapToLong(PartitionLag::lag).sum();
        return new ConsumerLag(group, topic, true, total, groupState, members, partitions, null);
    }

    static ConsumerLag unknown(String group, String topic, String error) {
        return new ConsumerLag(group, topic, false, null, null, null, List.of(), error);
    }
}
