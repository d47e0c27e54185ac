package dev.jobfleet.producer.fleet;

import java.time.Duration;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.ListOffsetsResult.ListOffsetsResultInfo;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Consumer lag from the broker's own numbers, as {@code kafka-consumer-groups.sh --describe} shows
 * it: per partition of the topic, the group's committed offset against the end offset. Works
 * whether or not any member of the group is alive, and for every partition, not only those a
 * running worker happens to have fetched from.
 *
 * <p>One admin client, created on first use and kept; every read waits at most {@code timeout} in
 * all, after which the lag is reported as unknown with the reason. The requests that do not depend
 * on each other are sent together.
 */
public class ConsumerLagReader implements AutoCloseable {
    private final Map<String, Object> adminConfig;
    private final Duration timeout;
    private Admin admin;

    /**
     * @param adminConfig how to reach the brokers (bootstrap servers, security); the timeouts are
     *     set from {@code timeout}
     * @param timeout the longest one {@link #read} waits for Kafka
     */
    public ConsumerLagReader(Map<String, Object> adminConfig, Duration timeout) {
        Map<String, Object> config = new HashMap<>(adminConfig);
        int millis = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MS_CONFIG, (long) millis);
        config.put(AdminClientConfig.SOCKET_CONNECTION_SETUP_TIMEOUT_MAX_MS_CONFIG, (long) millis);
        config.put(AdminClientConfig.RECONNECT_BACKOFF_MAX_MS_CONFIG, 1_000L);
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "jobfleet-fleet-view");
        this.adminConfig = Map.copyOf(config);
        this.timeout = timeout;
    }

    /** The lag of {@code group} on every partition of {@code topic}; never waits longer than the timeout. */
    public ConsumerLag read(String group, String topic) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            Admin client = admin();
            KafkaFuture<Map<String, TopicDescription>> topicFuture =
                    client.describeTopics(List.of(topic)).allTopicNames();
            KafkaFuture<Map<TopicPartition, OffsetAndMetadata>> committedFuture =
                    client.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata();
            KafkaFuture<ConsumerGroupDescription> groupFuture = client.describeConsumerGroups(List.of(group))
                    .describedGroups()
                    .get(group);

            List<TopicPartition> partitions = await(topicFuture, deadline).get(topic).partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .sorted(Comparator.comparingInt(TopicPartition::partition))
                    .toList();
            KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> endFuture =
                    client.listOffsets(spec(partitions, OffsetSpec.latest())).all();
            KafkaFuture<Map<TopicPartition, ListOffsetsResultInfo>> startFuture =
                    client.listOffsets(spec(partitions, OffsetSpec.earliest())).all();

            Map<TopicPartition, OffsetAndMetadata> committed = await(committedFuture, deadline);
            Members members = members(groupFuture, deadline);
            Map<TopicPartition, ListOffsetsResultInfo> end = await(endFuture, deadline);
            Map<TopicPartition, ListOffsetsResultInfo> start = await(startFuture, deadline);

            List<PartitionLag> rows = partitions.stream()
                    .map(tp -> {
                        OffsetAndMetadata commit = committed.get(tp);
                        MemberDescription owner = members.owners().get(tp);
                        return PartitionLag.of(
                                tp.partition(),
                                commit == null ? null : commit.offset(),
                                start.get(tp).offset(),
                                end.get(tp).offset(),
                                owner == null ? null : owner.clientId(),
                                owner == null ? null : host(owner));
                    })
                    .toList();
            return ConsumerLag.of(group, topic, members.state(), members.count(), rows);
        } catch (TimeoutException e) {
            return ConsumerLag.unknown(group, topic, "Kafka did not answer within " + readable(timeout));
        } catch (ExecutionException e) {
            return ConsumerLag.unknown(group, topic, reason(e.getCause(), topic));
        } catch (KafkaException e) {
            return ConsumerLag.unknown(group, topic, reason(e, topic));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return ConsumerLag.unknown(group, topic, "interrupted while waiting for Kafka");
        }
    }

    private record Members(String state, int count, Map<TopicPartition, MemberDescription> owners) {}

    private static Members members(KafkaFuture<ConsumerGroupDescription> future, long deadline)
            throws ExecutionException, InterruptedException, TimeoutException {
        ConsumerGroupDescription description;
        try {
            description = await(future, deadline);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                // Kafka's own word for a group that does not exist (yet): no members, no commits
                return new Members("DEAD", 0, Map.of());
            }
            throw e;
        }
        Map<TopicPartition, MemberDescription> owners = description.members().stream()
                .flatMap(
                        member -> member.assignment().topicPartitions().stream().map(tp -> Map.entry(tp, member)))
                .collect(Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> a));
        return new Members(
                description.groupState().name(), description.members().size(), owners);
    }

    private static String host(MemberDescription member) {
        String host = member.host();
        return host != null && host.startsWith("/") ? host.substring(1) : host;
    }

    private String reason(Throwable cause, String topic) {
        if (cause instanceof org.apache.kafka.common.errors.TimeoutException) {
            return "Kafka did not answer within " + readable(timeout);
        }
        if (cause instanceof UnknownTopicOrPartitionException) {
            return "topic " + topic + " does not exist";
        }
        return cause.getClass().getSimpleName() + ": " + cause.getMessage();
    }

    private static String readable(Duration duration) {
        long millis = duration.toMillis();
        return millis % 1000 == 0 ? millis / 1000 + "s" : millis + "ms";
    }

    private static Map<TopicPartition, OffsetSpec> spec(Collection<TopicPartition> partitions, OffsetSpec spec) {
        return partitions.stream().collect(Collectors.toMap(Function.identity(), tp -> spec));
    }

    private static <T> T await(KafkaFuture<T> future, long deadline)
            throws ExecutionException, InterruptedException, TimeoutException {
        return future.get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private synchronized Admin admin() {
        if (admin == null) {
            admin = Admin.create(adminConfig);
        }
        return admin;
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(timeout);
            admin = null;
        }
    }
}
