package dev.jobfleet.infra;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** What is on a topic of a real broker, and how far a consumer group has committed. */
final class TopicChecks {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private TopicChecks() {}

    /** The keys of every record of {@code topic}, read without a group from the beginning to the current end. */
    static List<String> keys(String bootstrapServers, String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "5000");
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, DEADLINE).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, DEADLINE);
            List<String> keys = new ArrayList<>();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("could not read " + topic + " up to " + end + " within " + DEADLINE);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(r -> keys.add(r.key()));
            }
            return keys;
        }
    }

    /** Members of {@code group} that hold at least one partition of {@code topic}. */
    static long membersAssigned(String bootstrapServers, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(adminProps(bootstrapServers))) {
            return admin.describeConsumerGroups(List.of(group)).all().get().get(group).members().stream()
                    .filter(m -> m.assignment().topicPartitions().stream()
                            .anyMatch(p -> p.topic().equals(topic)))
                    .count();
        }
    }

    /**
     * Partitions of {@code topic} where {@code group} has not committed up to the current end: empty
     * once the group consumed (and finished) every record published so far.
     */
    static Set<TopicPartition> behind(String bootstrapServers, String group, String topic) throws Exception {
        try (Admin admin = Admin.create(adminProps(bootstrapServers))) {
            Set<TopicPartition> partitions =
                    admin.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions().stream()
                            .map(p -> new TopicPartition(topic, p.partition()))
                            .collect(Collectors.toSet());
            Map<TopicPartition, ListOffsetsResultInfo> ends = admin.listOffsets(
                            partitions.stream().collect(Collectors.toMap(p -> p, p -> OffsetSpec.latest())))
                    .all()
                    .get();
            Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(group)
                    .partitionsToOffsetAndMetadata()
                    .get();
            Set<TopicPartition> behind = new HashSet<>();
            for (TopicPartition p : partitions) {
                long end = ends.get(p).offset();
                OffsetAndMetadata c = committed.get(p);
                if (end > 0 && (c == null || c.offset() < end)) {
                    behind.add(p);
                }
            }
            return behind;
        }
    }

    private static Properties adminProps(String bootstrapServers) {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, "10000");
        return props;
    }
}
