package dev.jobfleet.worker;

import dev.jobfleet.store.DeadLetterStore;
import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.kafka.DeadLetterRelay;
import dev.jobfleet.worker.kafka.JobConsumer;
import dev.jobfleet.worker.metrics.QueueDepthGauges;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.DuePoller;
import dev.jobfleet.worker.run.EngineHealth;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.HandlerTimeouts;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.PeriodicTask;
import dev.jobfleet.worker.run.RunEngine;
import dev.jobfleet.worker.run.RunOutcomes;
import dev.jobfleet.worker.run.WorkerEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Primary;

/**
 * The worker's core: repositories, handlers, claims, the run engine and the stages around it
 * (see {@link WorkerEngine}).
 */
@Configuration(proxyBeanMethods = false)
public class WorkerConfiguration {
    /** Connections of the engine's own pool: intake, completer, heartbeat, poller. */
    static final int ENGINE_CONNECTIONS = 4;

    /** The repository on the application's pool: handlers' writes, chores, the demo audit. */
    @Bean
    @Primary
    @DependsOnDatabaseInitialization
    JobRepository jobRepository(DataSource dataSource) {
        return new JobRepository(dataSource);
    }

    @Bean
    @DependsOnDatabaseInitialization
    EnginePool enginePool(DataSource dataSource) {
        return new EnginePool(dataSource, ENGINE_CONNECTIONS);
    }

    /** The repository on the engine's own pool. */
    @Bean
    JobRepository engineJobRepository(EnginePool pool) {
        return new JobRepository(pool.dataSource());
    }

    @Bean
    DeadLetterStore deadLetterStore(EnginePool pool) {
        return new DeadLetterStore(pool.dataSource());
    }

    @Bean
    Clock clock() {
        return Clock.systemUTC();
    }

    @Bean
    WorkerMetrics workerMetrics(MeterRegistry registry) {
        return new WorkerMetrics(registry);
    }

    @Bean
    QueueDepthGauges queueDepthGauges(
            JobRepository jobRepository, MeterRegistry registry, WorkerProperties properties) {
        return new QueueDepthGauges(jobRepository, registry, properties.queueMetricsMaxTypes());
    }

    @Bean
    JobClaims jobClaims(
            @Qualifier("engineJobRepository") JobRepository engineJobs,
            HandlerRegistry handlers,
            WorkerMetrics metrics,
            WorkerProperties properties) {
        return new JobClaims(engineJobs, handlers, metrics, properties.id(), properties.lease());
    }

    @Bean
    RunEngine runEngine(
            HandlerRegistry handlers,
            JobRepository jobRepository,
            WorkerMetrics metrics,
            Clock clock,
            WorkerProperties properties) {
        return new RunEngine(
                handlers,
                jobRepository,
                new RunOutcomes(properties.backoff()),
                new HandlerTimeouts(properties.handlerTimeout(), properties.handlerTimeouts()),
                metrics,
                clock,
                properties.id(),
                properties.lease(),
                properties.concurrency(),
                properties.capacity(),
                properties.stuckAfter());
    }

    @Bean
    WorkerEngine workerEngine(
            RunEngine engine,
            @Qualifier("engineJobRepository") JobRepository engineJobs,
            JobClaims claims,
            JobConsumer consumer,
            DeadLetterRelay deadLetterRelay,
            ApplicationEventPublisher events,
            WorkerMetrics metrics,
            WorkerProperties properties) {
        PeriodicTask relay =
                new PeriodicTask("jobfleet-dead-letter-relay", Duration.ofSeconds(1), deadLetterRelay::relayOnce);
        return new WorkerEngine(
                engine,
                engineJobs,
                new DuePoller(engine, claims, properties.maxPollRecords(), properties.suspectProbation()),
                consumer,
                List.of(relay),
                events,
                properties.id(),
                properties.lease(),
                properties.heartbeatInterval(),
                properties.pollInterval(),
                properties.completer().flushInterval(),
                properties.completer().batch(),
                properties.shutdownGrace(),
                properties.shutdownExitWait(),
                metrics);
    }

    /** Liveness: stuck handlers, the poll thread, periodic tasks (see {@link EngineHealth}). */
    @Bean
    EngineHealth engineHealthIndicator(WorkerEngine worker, WorkerProperties properties) {
        return new EngineHealth(worker, properties.maxStuckHandlers());
    }
}
