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
 * producer that retried): the first event of an id in the batch is kept, and every record of that
 * id settles with it.
 */
final class EventSorter {
    private final HandlerRegistry handlers;

    EventSorter(HandlerRegistry handlers) {
        this.handlers = handlers;
    }

    /**
     * @param events the first valid event per job id, with every record of that id
     * @param deadLetters the records no worker of this fleet can run
     */
    record Sorted(Map<UUID, Received> events, List<Refused> deadLetters) {}

    /** A job's event and the records (with their settle callbacks) that carried it. */
    record Received(JobEvent event, ConsumerRecord<String, byte[]> first, List<Runnable> settles) {}

    /** A dead letter and the callback that settles its record. */
    record Refused(DeadLetter letter, Runnable settle) {}

    /** A record as polled, with the callback that settles its offset. */
    record Polled(ConsumerRecord<String, byte[]> record, Runnable settle) {}

    Sorted sort(List<Polled> batch) {
        Map<UUID, Received> events = new LinkedHashMap<>();
        List<Refused> deadLetters = new ArrayList<>();
        for (Polled polled : batch) {
            ConsumerRecord<String, byte[]> record = polled.record();
            JobEvent event;
            try {
                event = JobCodec.decode(record.value());
            } catch (UndecodableEventException e) {
                deadLetters.add(
                        new Refused(new DeadLetter(record, DeadLetter.UNDECODABLE, e.getMessage()), polled.settle()));
                continue;
            }
            if (!handlers.handles(event.type())) {
                deadLetters.add(new Refused(
                        new DeadLetter(
                                record,
                                DeadLetter.UNKNOWN_TYPE,
                                "no handler for job type '" + event.type() + "' (job " + event.id() + ")"),
                        polled.settle()));
                continue;
            }
            events.computeIfAbsent(event.id(), id -> new Received(event, record, new ArrayList<>()))
                    .settles()
                    .add(polled.settle());
        }
        return new Sorted(events, deadLetters);
    }
}
