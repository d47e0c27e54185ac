package dev.jobfleet.worker.kafka;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.store.DeadLetterStore;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.kafka.EventSorter.Polled;
import dev.jobfleet.worker.kafka.EventSorter.Received;
import dev.jobfleet.worker.kafka.EventSorter.Refused;
import dev.jobfleet.worker.kafka.EventSorter.Sorted;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.Claimed;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.RunEngine;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataIntegrityViolationException;

/**
 * The intake stage, on the poll thread: a polled batch is decoded; records that can never run are
 * kept as dead letters (one statement; the relay puts them on the dead-letter topic); jobs of
 * Kafka-first producers that the database does not know are inserted; the batch's jobs are claimed
 * in one statement and handed to the {@link RunEngine}, and the poll thread goes back to polling.
 *
 * <p>Each record settles on its own: a dead letter once kept, an event with nothing to claim at
 * once (redelivered, duplicated, someone else's, done, or not yet due: the due-job poller runs it
 * when it is), a claimed event when its run's outcome is durable. Every step is idempotent, so a
 * batch whose database work failed is simply accepted again.
 */
final class Intake {
    private static final Logger log = LoggerFactory.getLogger(Intake.class);

    private final EventSorter sorter;
    private final JobRepository jobs;
    private final DeadLetterStore deadLetters;
    private final JobClaims claims;
    private final RunEngine engine;
    private final WorkerMetrics metrics;
    private final String workerId;

    Intake(
            HandlerRegistry handlers,
            JobRepository jobs,
            DeadLetterStore deadLetters,
            JobClaims claims,
            RunEngine engine,
            WorkerMetrics metrics,
            String workerId) {
        this.sorter = new EventSorter(handlers);
        this.jobs = jobs;
        this.deadLetters = deadLetters;
        this.claims = claims;
        this.engine = engine;
        this.metrics = metrics;
        this.workerId = workerId;
    }

    /**
     * Takes a polled batch.
     *
     * @throws org.springframework.dao.DataAccessException when the database could not be reached;
     *     nothing is lost, the caller accepts the same batch again later
     */
    void accept(List<Polled> batch) {
        Sorted sorted = sorter.sort(batch);
        Map<UUID, Received> events = new LinkedHashMap<>(sorted.events());
        List<Refused> refused = new ArrayList<>(sorted.deadLetters());
        Claimed claimed = null;
        if (!events.isEmpty()) {
            Map<UUID, JobEvent> byId = new LinkedHashMap<>();
            events.forEach((id, received) -> byId.put(id, received.event()));
            try {
                // the common case: new jobs inserted RUNNING and claimed in one statement
                claimed = claims.insertAndClaim(byId);
            } catch (DataIntegrityViolationException rejected) {
                log.warn(
                        "the database refused a batch of {} events ({}); inserting them one at a time",
                        byId.size(),
                        rejected.getMostSpecificCause().getMessage());
                refused.addAll(insertOneByOne(events));
            }
        }
        keep(refused);
        if (events.isEmpty()) {
            return;
        }
        if (claimed == null) {
            claimed = claims.byIds(events.keySet());
        }
        Map<UUID, List<Runnable>> settles = new HashMap<>();
        claimed.claims()
                .forEach(c -> settles.put(c.jobId(), events.get(c.jobId()).settles()));
        engine.submit(claimed, settles);
        Set<UUID> taken = settles.keySet();
        events.forEach((id, received) -> {
            if (!taken.contains(id)) {
                received.settles().forEach(Runnable::run);
            }
        });
        log.debug(
                "batch of {} records: {} jobs, {} claimed, {} dead letters",
                batch.size(),
                events.size(),
                claimed.size(),
                refused.size());
    }

    private void keep(List<Refused> refused) {
        if (refused.isEmpty()) {
            return;
        }
        deadLetters.keep(refused.stream().map(r -> r.letter().toRecord()).toList());
        for (Refused r : refused) {
            r.settle().run();
            metrics.deadLettered(r.letter().reason());
            log.warn(
                    "dead letter {} (key {}): {}: {}",
                    r.letter().origin(),
                    r.letter().record().key(),
                    r.letter().reason(),
                    r.letter().detail());
        }
    }

    /**
     * The database refused the batch: the events are inserted one at a time and those it refuses
     * are taken out of {@code events} and returned as dead letters, so one bad value cannot block
     * its partition. The others are claimed by id afterwards.
     */
    private List<Refused> insertOneByOne(Map<UUID, Received> events) {
        List<Refused> rejected = new ArrayList<>();
        for (Iterator<Received> it = events.values().iterator(); it.hasNext(); ) {
            Received received = it.next();
            try {
                jobs.insertMissing(List.of(received.event()), workerId);
            } catch (DataIntegrityViolationException e) {
                DeadLetter letter = new DeadLetter(
                        received.first(),
                        DeadLetter.REJECTED,
                        e.getMostSpecificCause().getMessage());
                rejected.add(new Refused(letter, () -> received.settles().forEach(Runnable::run)));
                it.remove();
            }
        }
        return rejected;
    }
}
