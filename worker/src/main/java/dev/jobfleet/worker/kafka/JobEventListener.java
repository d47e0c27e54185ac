package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.model.Topics;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.kafka.EventSorter.Received;
import dev.jobfleet.worker.kafka.EventSorter.Sorted;
import dev.jobfleet.worker.run.Claimed;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.JobRunner;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletionException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.kafka.annotation.KafkaListener;

/**
 * Consumes job events in batches. Per batch: records that can never run are dead-lettered; jobs
 * of Kafka-first producers that the database does not know are inserted; the batch's jobs are
 * claimed in one statement; the claimed runs execute; their outcomes are written in one
 * statement; and only then does this method return, so the container commits the batch's offsets
 * (ack mode BATCH) after the outcomes are durable.
 *
 * <p>Redelivered and duplicate events find nothing to claim and are skipped; so are events of jobs
 * not yet due (the {@link dev.jobfleet.worker.run.DuePoller} runs them when they are).
 */
public class JobEventListener {
    /** The listener container's id in the {@code KafkaListenerEndpointRegistry}. */
    public static final String ID = "jobfleet-jobs";

    private static final Logger log = LoggerFactory.getLogger(JobEventListener.class);

    private final EventSorter sorter;
    private final JobRepository jobs;
    private final JobClaims claims;
    private final JobRunner runner;
    private final DeadLetterPublisher deadLetters;
    private final String workerId;

    public JobEventListener(
            HandlerRegistry handlers,
            JobRepository jobs,
            JobClaims claims,
            JobRunner runner,
            DeadLetterPublisher deadLetters,
            String workerId) {
        this.sorter = new EventSorter(handlers);
        this.jobs = jobs;
        this.claims = claims;
        this.runner = runner;
        this.deadLetters = deadLetters;
        this.workerId = workerId;
    }

    @KafkaListener(
            id = ID,
            topics = Topics.JOBS,
            groupId = "${jobfleet.worker.group-id:jobfleet-workers}",
            batch = "true")
    public void onBatch(List<ConsumerRecord<String, byte[]>> records) {
        Sorted sorted = sorter.sort(records);
        Map<UUID, Received> events = new LinkedHashMap<>(sorted.events());
        List<DeadLetter> refused = new ArrayList<>(sorted.deadLetters());
        refused.addAll(insertMissing(events));
        deadLetters.publish(refused);
        if (events.isEmpty()) {
            return;
        }
        Claimed claimed = claims.byIds(events.keySet());
        log.debug(
                "batch of {} records: {} jobs, {} claimed, {} dead-lettered",
                records.size(),
                events.size(),
                claimed.size(),
                refused.size());
        try {
            runner.start(claimed).join();
        } catch (CompletionException e) {
            throw e.getCause() instanceof RuntimeException cause ? cause : e;
        }
    }

    /**
     * Inserts the jobs the database does not know. If the database refuses the batch, the events
     * are inserted one at a time and those it refuses are taken out of {@code events} and returned
     * as dead letters, so one bad value cannot block its partition.
     */
    private List<DeadLetter> insertMissing(Map<UUID, Received> events) {
        if (events.isEmpty()) {
            return List.of();
        }
        List<JobEvent> batch = events.values().stream().map(Received::event).toList();
        try {
            jobs.insertMissing(batch, workerId);
            return List.of();
        } catch (DataIntegrityViolationException refused) {
            log.warn(
                    "the database refused a batch of {} events ({}); inserting them one at a time",
                    batch.size(),
                    refused.getMostSpecificCause().getMessage());
        }
        List<DeadLetter> rejected = new ArrayList<>();
        for (Iterator<Received> it = events.values().iterator(); it.hasNext(); ) {
            Received received = it.next();
            try {
                jobs.insertMissing(List.of(received.event()), workerId);
            } catch (DataIntegrityViolationException e) {
                rejected.add(new DeadLetter(
                        received.record(),
                        DeadLetter.REJECTED,
                        e.getMostSpecificCause().getMessage()));
                it.remove();
            }
        }
        return rejected;
    }
}
