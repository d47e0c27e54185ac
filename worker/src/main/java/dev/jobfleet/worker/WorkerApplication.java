package dev.jobfleet.worker;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.EnableConfigurationProperties;

/**
 * The jobfleet worker: consumes job events from Kafka, claims the jobs in PostgreSQL, runs their
 * {@link dev.jobfleet.worker.api.JobHandler}s and records the outcomes. Handlers are Spring beans;
 * add yours to the context (component scan, or an application that imports this one).
 *
 * <p>Run by {@link #main}, the worker stops gracefully on SIGTERM and exits with status 0 (see
 * {@link TerminationSignal}).
 */
@SpringBootApplication
@EnableConfigurationProperties(WorkerProperties.class)
public class WorkerApplication {
    public static void main(String[] args) {
        TerminationSignal.exitCleanlyOn(SpringApplication.run(WorkerApplication.class, args));
    }
}
