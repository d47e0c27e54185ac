package dev.jobfleet.worker.demo;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.JobRepository.ExecutionStart;
import dev.jobfleet.store.JobRepository.RecordedExecutions;
import dev.jobfleet.worker.api.JobContext;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records each execution of a demo handler in {@code demo_execution} (job, worker, claim token,
 * start and end, by the database clock), so that double execution is one query away: {@link
 * JobRepository#overlappingExecutions()}.
 *
 * <p>The records are group-committed: one writer thread takes every start and end that waits, and
 * writes them in one statement ({@link JobRepository#recordExecutions}); a handler waits for its
 * start to be written before its work runs and for its end to be written before its outcome is
 * handed on, as it did when each record was a statement of its own. So a recorded span still holds
 * the whole work, and a run that starts after another's outcome was written starts after that one's
 * recorded end; only the number of statements and commits changes (two per job before, two per group
 * now). The waits are not interruptible, like the JDBC calls they replace: a handler interrupted
 * while its record is written finds its interrupt flag set afterwards.
 */
public final class ExecutionAudit implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ExecutionAudit.class);
    private static final int MAX_GROUP = 500;

    private sealed interface Request permits Start, End, Stop {}

    private record Start(String workerId, ExecutionStart start, CompletableFuture<Long> written) implements Request {}

    private record End(String workerId, long execution, CompletableFuture<Long> written) implements Request {}

    private record Stop() implements Request {}

    private final JobRepository jobs;
    private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private final Thread writer;
    private final AtomicLong statements = new AtomicLong();
    private final AtomicLong records = new AtomicLong();
    private volatile boolean closed;

    public ExecutionAudit(JobRepository jobs) {
        this.jobs = jobs;
        this.writer = Thread.ofPlatform().name("jobfleet-audit").daemon().unstarted(this::writeLoop);
        writer.start();
    }

    /** Runs {@code work} between a start and an end record; the end is written however it ends. */
    public Outcome record(JobContext context, Callable<Outcome> work) throws Exception {
        long execution = submit(new Start(
                context.workerId(),
                new ExecutionStart(context.jobId(), context.claimToken(), context.attempt()),
                new CompletableFuture<>()));
        Outcome outcome;
        try {
            outcome = work.call();
        } catch (Exception e) {
            try {
                submit(new End(context.workerId(), execution, new CompletableFuture<>()));
            } catch (RuntimeException endFailed) {
                e.addSuppressed(endFailed);
            }
            throw e;
        }
        submit(new End(context.workerId(), execution, new CompletableFuture<>()));
        return outcome;
    }

    private long submit(Request request) {
        synchronized (queue) {
            // under the lock close() takes too: every record queued is queued before the writer's stop
            if (closed) {
                throw new IllegalStateException("the execution audit is closed");
            }
            queue.add(request);
        }
        CompletableFuture<Long> written = switch (request) {
            case Start s -> s.written();
            case End e -> e.written();
            case Stop x -> throw new IllegalArgumentException("not a record");
        };
        try {
            return written.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    private void writeLoop() {
        List<Request> group = new ArrayList<>();
        boolean stopping = false;
        while (!stopping) {
            try {
                group.add(queue.take());
            } catch (InterruptedException e) {
                // only close() stops the writer; an interrupt from elsewhere is not a reason to drop records
                log.warn("the execution audit's writer was interrupted; it goes on until closed");
                continue;
            }
            queue.drainTo(group, MAX_GROUP - 1);
            stopping = group.removeIf(r -> r instanceof Stop);
            write(group);
            group.clear();
        }
    }

    /** One statement per worker id in the group (a worker process has one). */
    private void write(List<Request> group) {
        Map<String, List<Start>> starts = new LinkedHashMap<>();
        Map<String, List<End>> ends = new LinkedHashMap<>();
        for (Request r : group) {
            switch (r) {
                case Start s ->
                    starts.computeIfAbsent(s.workerId(), k -> new ArrayList<>()).add(s);
                case End e ->
                    ends.computeIfAbsent(e.workerId(), k -> new ArrayList<>()).add(e);
                case Stop x -> {}
            }
        }
        List<String> workers = new ArrayList<>(starts.keySet());
        ends.keySet().stream().filter(w -> !starts.containsKey(w)).forEach(workers::add);
        for (String worker : workers) {
            List<Start> s = starts.getOrDefault(worker, List.of());
            List<End> e = ends.getOrDefault(worker, List.of());
            try {
                RecordedExecutions recorded = jobs.recordExecutions(
                        worker,
                        s.stream().map(Start::start).toList(),
                        e.stream().map(End::execution).toList());
                statements.incrementAndGet();
                records.addAndGet(s.size() + e.size());
                for (int i = 0; i < s.size(); i++) {
                    s.get(i).written().complete(recorded.startIds().get(i));
                }
                for (End end : e) {
                    if (recorded.ended().contains(end.execution())) {
                        end.written().complete(end.execution());
                    } else {
                        end.written()
                                .completeExceptionally(
                                        new IllegalStateException("execution " + end.execution() + " not found"));
                    }
                }
            } catch (RuntimeException failed) {
                // every waiting handler gets the failure, as it got its own statement's before
                s.forEach(x -> x.written().completeExceptionally(failed));
                e.forEach(x -> x.written().completeExceptionally(failed));
            }
        }
    }

    /** Statements written so far (each one group of records, one commit). */
    public long statements() {
        return statements.get();
    }

    /** Starts and ends written so far. */
    public long records() {
        return records.get();
    }

    /** Writes what is queued, then stops the writer; records asked for afterwards are refused. */
    @Override
    public void close() throws InterruptedException {
        synchronized (queue) {
            closed = true;
            queue.add(new Stop());
        }
        if (!writer.join(Duration.ofSeconds(30))) {
            log.warn("the execution audit's writer did not finish within 30 s");
        }
    }
}
