package dev.jobfleet.worker.maintenance;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.QueueDepthGauges;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * The maintenance chores and their schedule. Each chore runs on every worker's schedule, but
 * ShedLock (a row in {@code shedlock}, timed by the database clock) lets one instance at a time
 * run it; the others skip that turn.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@EnableSchedulerLock(defaultLockAtMostFor = "PT2M")
public class MaintenanceConfiguration {

    @Bean
    LockProvider lockProvider(DataSource dataSource) {
        return new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(new JdbcTemplate(dataSource))
                .usingDbTime()
                .build());
    }

    @Bean
    LeaseReaper leaseReaper(JobRepository jobs, WorkerMetrics metrics, WorkerProperties properties) {
        return new LeaseReaper(jobs, metrics, properties.id(), properties.reaperBatch());
    }

    @Bean
    RetryPromoter retryPromoter(JobRepository jobs, WorkerProperties properties) {
        return new RetryPromoter(jobs, properties.id(), properties.retryPromoterBatch());
    }

    /**
     * Schedules the chores through their ShedLock proxies (the beans injected here), at the
     * intervals of {@link WorkerProperties}.
     */
    @Bean
    SchedulingConfigurer maintenanceSchedule(
            LeaseReaper reaper, RetryPromoter promoter, QueueDepthGauges gauges, WorkerProperties properties) {
        return (ScheduledTaskRegistrar registrar) -> {
            registrar.addFixedDelayTask(reaper::run, properties.reaperInterval());
            registrar.addFixedDelayTask(promoter::run, properties.retryPromoterInterval());
            registrar.addFixedDelayTask(gauges::refresh, properties.queueMetricsInterval());
        };
    }
}
