package dev.jobfleet.infra;

import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * The workers' Kafka consumer group, seen from the broker: {@link #awaitStable} waits until it is
 * {@code STABLE} with every worker a member and every partition of the jobs topic assigned, so that
 * work submitted next is not held up by a rebalance (a partition nobody holds yet waits for the
 * group to settle, then for the due-job poller).
 */
final class WorkerGroup {
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(5);

    /**
     * The group as it was seen.
     *
     * @param state the group's state; null while the broker does not know the group
     * @param members how many consumers are in the group
     * @param assigned the partitions of the topic that a member holds
     * @param partitions how many partitions the topic has; 0 while it does not exist
     */
    record Seen(GroupState state, int members, Set<Integer> assigned, int partitions) {
        boolean settled(int workers) {
            return state == GroupState.STABLE && members == workers && partitions > 0 && assigned.size() == partitions;
        }

        @Override
        public String toString() {
            return state == null
                    ? "the broker does not know the group yet"
                    : "state " + state + ", " + members + " members, partitions " + assigned + " of "
                            + (partitions == 0 ? "a topic that does not exist yet" : partitions) + " assigned";
        }
    }

    private WorkerGroup() {}

    /**
     * Wait until {@code group} is stable with {@code workers} members that between them hold every
     * partition of {@code topic}; the group as seen then.
     *
     * @throws IllegalStateException when it is not so within {@code timeout}, with what was last seen
     */
    static Seen awaitStable(String bootstrapServers, String group, String topic, int workers, Duration timeout)
            throws InterruptedException {
        Properties props = new Properties();
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(AdminClientConfig.CLIENT_ID_CONFIG, "jobfleet-fleet-readiness");
        long deadline = System.nanoTime() + timeout.toNanos();
        Seen seen = new Seen(null, 0, Set.of(), 0);
        try (Admin admin = Admin.create(props)) {
            while (true) {
                seen = describe(admin, group, topic);
                if (seen.settled(workers)) {
                    return seen;
                }
                if (System.nanoTime() >= deadline) {
                    throw new IllegalStateException(String.format(
                            "the workers' consumer group %s was not stable with %d members holding every partition"
                                    + " of %s within %d s; last seen: %s",
                            group, workers, topic, timeout.toSeconds(), seen));
                }
                LockSupport.parkNanos(POLL.toNanos());
                if (Thread.interrupted()) {
                    throw new InterruptedException("waiting for the workers' consumer group " + group);
                }
            }
        }
    }

    private static Seen describe(Admin admin, String group, String topic) throws InterruptedException {
        int partitions;
        try {
            partitions = admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic)
                    .partitions()
                    .size();
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                throw new IllegalStateException("cannot describe the topic " + topic, e.getCause());
            }
            partitions = 0; // the producer creates it; not yet
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the broker did not describe the topic " + topic + " within " + CALL_TIMEOUT.toSeconds() + " s", e);
        }
        ConsumerGroupDescription description;
        try {
            description = admin.describeConsumerGroups(List.of(group))
                    .all()
                    .get(CALL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                    .get(group);
        } catch (ExecutionException e) {
            if (!(e.getCause() instanceof GroupIdNotFoundException)) {
                throw new IllegalStateException("cannot describe the consumer group " + group, e.getCause());
            }
            return new Seen(null, 0, Set.of(), partitions); // no worker has joined yet
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "the broker did not describe the consumer group " + group + " within " + CALL_TIMEOUT.toSeconds()
                            + " s",
                    e);
        }
        Set<Integer> assigned = description.members().stream()
                .flatMap(m -> m.assignment().topicPartitions().stream())
                .filter(p -> p.topic().equals(topic))
                .map(p -> p.partition())
                .collect(Collectors.toCollection(TreeSet::new));
        return new Seen(description.groupState(), description.members().size(), assigned, partitions);
    }
}
