package dev.jobfleet.worker.run;

import dev.jobfleet.store.JobRepository;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.SmartLifecycle;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The naive time limit, for the negative control of the stuck-handler test: a run past its time
 * limit is handed back at once, whether or not its handler thread has ended (what a worker that
 * trusts the interrupt does).
 */
public final class NaiveTimeoutRelease implements SmartLifecycle {
    private final RunEngine engine;
    private final JobRepository jobs;
    private final PeriodicTask task;
    private volatile boolean running;

    NaiveTimeoutRelease(RunEngine engine, JobRepository jobs) {
        this.engine = engine;
        this.jobs = jobs;
        this.task = new PeriodicTask("naive-timeout-release", Duration.ofMillis(100), this::releaseTimedOut);
    }

    private void releaseTimedOut() {
        Map<UUID, UUID> runs = new LinkedHashMap<>();
        for (Run run : engine.inFlight().snapshot()) {
            if (run.stopReason() == Run.Stop.TIMEOUT && !run.hasEnded()) {
                runs.put(run.token(), run.jobId());
            }
        }
        jobs.releaseRuns(runs, "naive time limit");
    }

    @Override
    public void start() {
        task.start();
        running = true;
    }

    @Override
    public void stop() {
        running = false;
        try {
            task.stop(Duration.ofSeconds(1));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /** Registers the naive time limit when {@code test.naive-timeout-release=true}. */
    @Configuration(proxyBeanMethods = false)
    @ConditionalOnBooleanProperty(name = "test.naive-timeout-release")
    public static class Config {
        @Bean
        NaiveTimeoutRelease naiveTimeoutRelease(
                RunEngine engine, @Qualifier("engineJobRepository") JobRepository engineJobs) {
            return new NaiveTimeoutRelease(engine, engineJobs);
        }
    }
}
