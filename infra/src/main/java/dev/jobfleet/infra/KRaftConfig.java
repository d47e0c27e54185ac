package dev.jobfleet.infra;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** The {@code server.properties} of a single-node KRaft cluster on 127.0.0.1. */
final class KRaftConfig {
    private KRaftConfig() {}

    /**
     * Broker and controller in one process, a static quorum of that one voter, replication factors
     * of 1 everywhere, topics created on first use; {@code overrides} go over all of it.
     */
    static Map<String, String> singleNode(
            int port, int controllerPort, Path dataDirectory, int partitions, Map<String, String> overrides) {
        Map<String, String> c = new LinkedHashMap<>();
        c.put("process.roles", "broker,controller");
        c.put("node.id", "1");
        c.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        c.put("listeners", "PLAINTEXT://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort);
        c.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + port);
        c.put("controller.listener.names", "CONTROLLER");
        c.put("inter.broker.listener.name", "PLAINTEXT");
        c.put("listener.security.protocol.map", "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT");
        c.put("log.dirs", dataDirectory.toString());
        c.put("auto.create.topics.enable", "true");
        c.put("num.partitions", Integer.toString(partitions));
        c.put("default.replication.factor", "1");
        c.put("min.insync.replicas", "1");
        c.put("offsets.topic.replication.factor", "1");
        c.put("offsets.topic.num.partitions", "5");
        c.put("transaction.state.log.replication.factor", "1");
        c.put("transaction.state.log.min.isr", "1");
        c.put("share.coordinator.state.topic.replication.factor", "1");
        c.put("share.coordinator.state.topic.min.isr", "1");
        c.put("group.initial.rebalance.delay.ms", "0");
        // a restarted broker must wait for its old session to expire before it may register again
        // (DuplicateBrokerRegistrationException); the defaults make that ~13 s, these ~4 s
        c.put("broker.session.timeout.ms", "1500");
        c.put("broker.heartbeat.interval.ms", "500");
        // the log cleaner's buffer is taken from the heap up front; 128 MB by default
        c.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        c.putAll(overrides);
        return Map.copyOf(c);
    }

    static void write(Map<String, String> config, Path file) throws IOException {
        StringBuilder out = new StringBuilder("# written by ")
                .append(KafkaBroker.class.getName())
                .append('\n');
        config.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e ->
                        out.append(e.getKey()).append('=').append(e.getValue()).append('\n'));
        Files.writeString(file, out, StandardCharsets.UTF_8);
    }
}
