package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.JobCodec;
import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.UndecodableEventException;
import dev.jobfleet.worker.run.HandlerRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Splits a batch into events to claim and records to dead-letter. Events repeat (redelivery, a
 * producer that retried): the first event of an id in the batch is kept, the others add nothing.
 */
final class EventSorter {
    private final HandlerRegistry handlers;

    EventSorter(HandlerRegistry handlers) {
        this.handlers = handlers;
    }

    /**
     * @param events the first valid event per job id, with the record it came in
     * @param deadLetters the records no worker of this fleet can run
     */
    record Sorted(Map<UUID, Received> events, List<DeadLetter> deadLetters) {}

    record Received(JobEvent event, ConsumerRecord<String, byte[]> record) {}

    Sorted sort(List<ConsumerRecord<String, byte[]>> records) {
        Map<UUID, Received> events = new LinkedHashMap<>();
        List<DeadLetter> deadLetters = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> record : records) {
            JobEvent event;
            try {
                event = JobCodec.decode(record.value());
            } catch (UndecodableEventException e) {
                deadLetters.add(new DeadLetter(record, DeadLetter.UNDECODABLE, e.getMessage()));
                continue;
            }
            if (!handlers.handles(event.type())) {
                deadLetters.add(new DeadLetter(
                        record,
                        DeadLetter.UNKNOWN_TYPE,
                        "no handler for job type '" + event.type() + "' (job " + event.id() + ")"));
                continue;
            }
            events.putIfAbsent(event.id(), new Received(event, record));
        }
        return new Sorted(events, deadLetters);
    }
}
