package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRepository;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The naive shutdown, for the negative control of the shutdown test: on stop it first hands every
 * held run back to PENDING and only then interrupts the handlers (what the lockstep worker did).
 * It runs before the {@link WorkerEngine}'s own stop (a higher phase); by then the jobs are gone,
 * so the engine's fenced hand-backs change nothing.
 */
public final class NaiveReleaseFirst implements SmartLifecycle {
    private final RunEngine engine;
    private final JobRepository jobs;
    private volatile boolean running;

    NaiveReleaseFirst(RunEngine engine, JobRepository jobs) {
        this.engine = engine;
        this.jobs = jobs;
    }

    @Override
    public void start() {
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        List<Run> held = engine.inFlight().snapshot();
        Map<UUID, UUID> runs = new LinkedHashMap<>();
        held.forEach(run -> runs.put(run.token(), run.jobId()));
        jobs.releaseRuns(runs, "naive shutdown");
        held.forEach(run -> run.stop(Run.Stop.SHUTDOWN));
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    @Override
    public int getPhase() {
        return WorkerEngine.PHASE + 10;
    }

    /** Registers the naive shutdown when {@code test.naive-release-first=true}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "test.naive-release-first")
    public static class Config {
        @Bean
        NaiveReleaseFirst naiveReleaseFirst(
                RunEngine engine, @Qualifier("engineJobRepository") JobRepository engineJobs) {
            return new NaiveReleaseFirst(engine, engineJobs);
        }
    }
}
