package dev.jobfleet.producer.api;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.store.JobOptions;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRow;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of single {@code POST /jobs} submissions. A plain submission (no idempotency,
 * unique or order key, no fan-in batch: nothing it could conflict with) is queued; each of a few
 * committer threads takes what is queued, up to {@code maxSize}, and stores it with one statement
 * and one commit ({@link JobRepository#submitPlain(List, List, List)}), each job with its own
 * caller's actor and submitter. Nothing waits for a group to fill: a group is what arrived while
 * the previous statement ran, so an idle producer commits each request on its own at once and a
 * busy one pays one statement and one WAL flush for many requests.
 *
 * <p>A group the database refuses (a value of one item, say) is answered item by item: every
 * request of it is then submitted on its own by its request thread, exactly as without group
 * commit, so a bad item costs only itself. A request's answer is sent only after its job has
 * committed.
 */
public final class SubmitGroupCommit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(SubmitGroupCommit.class);

    private final JobRepository repository;
    private final int maxSize;
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    private final List<Thread> committers = new ArrayList<>();
    private final DistributionSummary groupSizes;
    private final Counter refusedGroups;
    private volatile boolean open = true;

    private record Item(JobEvent event, JobOptions options, String actor, CompletableFuture<JobRow> done) {}

    /** Completes a request whose group the database refused: it is submitted on its own. */
    private static final class GroupRefused extends RuntimeException {
        GroupRefused(RuntimeException cause) {
            super("the group commit was refused; submitting on its own", cause, false, false);
        }
    }

    /**
     * @param threads committer threads; more keep statements in flight side by side
     * @param maxSize most submissions in one statement
     */
    public SubmitGroupCommit(JobRepository repository, int threads, int maxSize, MeterRegistry meters) {
        if (threads < 1 || maxSize < 1) {
            throw new IllegalArgumentException("committers and max size must be positive: " + threads + ", " + maxSize);
        }
        this.repository = repository;
        this.maxSize = maxSize;
        this.groupSizes = DistributionSummary.builder("jobfleet.submit.group")
                .description("single POST /jobs submissions stored by one group-commit statement")
                .baseUnit("jobs")
                .publishPercentiles(0.5, 0.99)
                .register(meters);
        this.refusedGroups = Counter.builder("jobfleet.submit.group.refused")
                .description("groups the database refused; each of their submissions was retried on its own")
                .register(meters);
        Gauge.builder("jobfleet.submit.group.queued", queue, BlockingQueue::size)
                .description("single submissions waiting for a group-commit statement")
                .register(meters);
        for (int i = 0; i < threads; i++) {
            committers.add(
                    Thread.ofPlatform().name("submit-group-" + i).daemon().start(this::commitLoop));
        }
    }

    /**
     * Stores one {@linkplain JobRepository#plain plain} submission in the next group; returns once it
     * has committed.
     *
     * @throws RuntimeException what the database threw for this submission alone, as {@link
     *     JobRepository#submit} would
     */
    public JobRow submit(JobEvent event, JobOptions options, String actor) {
        if (!JobRepository.plain(event, options)) {
            throw new IllegalArgumentException("not a plain submission: " + event.id());
        }
        if (!open) {
            throw new IllegalStateException("the producer is shutting down");
        }
        Item item = new Item(event, options, actor, new CompletableFuture<>());
        queue.add(item);
        if (!open && queue.remove(item)) {
            // closed meanwhile and no committer took it: nobody would
            throw new IllegalStateException("the producer is shutting down");
        }
        try {
            return item.done.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof GroupRefused) {
                // the group's statement stored nothing: this one on its own, so a bad item costs only itself
                return repository.submit(event, options, actor).job();
            }
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void commitLoop() {
        List<Item> group = new ArrayList<>(maxSize);
        while (open || !queue.isEmpty()) {
            Item first;
            try {
                first = queue.poll(100, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                // close() interrupts only after open is false: commit what is left, then end
                first = queue.poll();
            }
            if (first == null) {
                continue;
            }
            group.add(first);
            queue.drainTo(group, maxSize - 1);
            commit(group);
            group.clear();
        }
    }

    private void commit(List<Item> group) {
        List<JobEvent> events = new ArrayList<>(group.size());
        List<JobOptions> options = new ArrayList<>(group.size());
        List<String> actors = new ArrayList<>(group.size());
        for (Item item : group) {
            events.add(item.event);
            options.add(item.options);
            actors.add(item.actor);
        }
        List<JobRow> stored;
        try {
            stored = repository.submitPlain(events, options, actors);
        } catch (RuntimeException refused) {
            if (group.size() == 1) {
                group.getFirst().done.completeExceptionally(refused);
            } else {
                refusedGroups.increment();
                log.info(
                        "a group of {} submissions was refused ({}); each is submitted on its own",
                        group.size(),
                        refused.getMessage());
                GroupRefused each = new GroupRefused(refused);
                group.forEach(item -> item.done.completeExceptionally(each));
            }
            return;
        } catch (Error fatal) {
            group.forEach(item -> item.done.completeExceptionally(fatal));
            throw fatal;
        }
        groupSizes.record(group.size());
        for (int i = 0; i < group.size(); i++) {
            group.get(i).done.complete(stored.get(i));
        }
    }

    /** Submissions waiting for a statement. */
    public int queued() {
        return queue.size();
    }

    /** Commits what is queued, then stops the committers. */
    @Override
    public void close() throws InterruptedException {
        open = false;
        for (Thread committer : committers) {
            committer.join(TimeUnit.SECONDS.toMillis(30));
            if (committer.isAlive()) {
                committer.interrupt();
                committer.join(TimeUnit.SECONDS.toMillis(5));
            }
        }
        Item left;
        while ((left = queue.poll()) != null) {
            left.done.completeExceptionally(new IllegalStateException("the producer shut down before it was stored"));
        }
    }
}
