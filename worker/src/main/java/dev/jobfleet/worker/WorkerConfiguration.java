package dev.jobfleet.worker;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.metrics.QueueDepthGauges;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import dev.jobfleet.worker.run.DuePoller;
import dev.jobfleet.worker.run.HandlerRegistry;
import dev.jobfleet.worker.run.JobClaims;
import dev.jobfleet.worker.run.JobRunner;
import dev.jobfleet.worker.run.LeaseHeartbeat;
import dev.jobfleet.worker.run.RunOutcomes;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import javax.sql.DataSource;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;

/** The worker's core: repository, handlers, claims, the runner and what drives it. */
@Configuration(proxyBeanMethods = false)
public class WorkerConfiguration {
    @Bean
    @DependsOnDatabaseInitialization
    JobRepository jobRepository(DataSource dataSource) {
        return new JobRepository(dataSource);
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
    QueueDepthGauges queueDepthGauges(JobRepository jobs, MeterRegistry registry) {
        return new QueueDepthGauges(jobs, registry);
    }

    @Bean
    JobClaims jobClaims(
            JobRepository jobs, HandlerRegistry handlers, WorkerMetrics metrics, WorkerProperties properties) {
        return new JobClaims(jobs, handlers, metrics, properties.id(), properties.lease());
    }

    @Bean
    JobRunner jobRunner(
            HandlerRegistry handlers,
            JobRepository jobs,
            WorkerMetrics metrics,
            Clock clock,
            WorkerProperties properties) {
        return new JobRunner(
                handlers,
                jobs,
                new RunOutcomes(properties.backoff()),
                metrics,
                clock,
                properties.id(),
                properties.lease(),
                properties.concurrency());
    }

    @Bean
    LeaseHeartbeat leaseHeartbeat(
            JobRunner runner, JobRepository jobs, WorkerMetrics metrics, WorkerProperties properties) {
        return new LeaseHeartbeat(runner, jobs, metrics, properties.lease(), properties.heartbeatInterval());
    }

    @Bean
    WorkerLifecycle workerLifecycle(
            JobRunner runner,
            JobClaims claims,
            WorkerProperties properties,
            KafkaListenerEndpointRegistry listeners,
            ApplicationEventPublisher events) {
        return new WorkerLifecycle(runner, new DuePoller(runner, claims), listeners, events, properties);
    }
}
