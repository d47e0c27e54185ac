package dev.jobfleet.worker.maintenance;

import dev.jobfleet.store.JobRepository;
import dev.jobfleet.store.RescuePolicy;
import dev.jobfleet.store.Retention;
import dev.jobfleet.store.Schedules;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.metrics.QueueDepthGauges;
import dev.jobfleet.worker.metrics.WorkerMetrics;
import java.time.Duration;
import javax.sql.DataSource;
import net.javacrumbs.shedlock.core.LockProvider;
import net.javacrumbs.shedlock.provider.jdbctemplate.JdbcTemplateLockProvider;
import net.javacrumbs.shedlock.spring.annotation.EnableSchedulerLock;
import org.springframework.boot.sql.init.dependency.DependsOnDatabaseInitialization;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.scheduling.annotation.EnableScheduling;
import org.springframework.scheduling.annotation.SchedulingConfigurer;
import org.springframework.scheduling.config.ScheduledTaskRegistrar;

/**
 * The maintenance chores and their schedule. Each chore runs on every worker's schedule; the
 * locked ones ({@link LeaseReaper}, {@link RetryPromoter}, {@link PriorityAger}, {@link
 * RetentionChore}) let one instance
 * at a time run them through ShedLock (a row in {@code shedlock}, timed by the database clock) and
 * the others skip that turn (G7). {@link ScheduleEnqueuer} needs no lock; see there.
 */
@Configuration(proxyBeanMethods = false)
@EnableScheduling
@EnableSchedulerLock(defaultLockAtMostFor = "PT2M")
public class MaintenanceConfiguration {

    @Bean
    LockProvider lockProvider(DataSource dataSource) {
        return jdbcLockProvider(dataSource);
    }

    /** ShedLock on the {@code shedlock} table, with lock times from the database's clock. */
    public static LockProvider jdbcLockProvider(DataSource dataSource) {
        return new JdbcTemplateLockProvider(JdbcTemplateLockProvider.Configuration.builder()
                .withJdbcTemplate(new JdbcTemplate(dataSource))
                .usingDbTime()
                .build());
    }

    /**
     * How long a chore's lock outlives a pod that died while holding it: ten intervals, at least 15
     * seconds. Each chore is one short statement per run; a lock held for ShedLock's usual minutes
     * after a crash would stop rescues and retries fleet-wide for that long.
     */
    public static String lockAtMostFor(Duration interval) {
        Duration tenIntervals = interval.multipliedBy(10);
        return (tenIntervals.compareTo(Duration.ofSeconds(15)) < 0 ? Duration.ofSeconds(15) : tenIntervals).toString();
    }

    /**
     * How long a locked chore keeps its lock after it ends: half its interval.
     *
     * <p>Every pod schedules every chore, each pod on its own phase, and a chore takes milliseconds.
     * Without a minimum hold, the lock is free again almost at once and a fleet of n pods runs
     * the chore about n times per interval, back to back. Holding it for half the interval caps
     * the fleet at two runs per interval whatever its size, while a pod's own next turn (one
     * interval after its last run ended) always finds its own lock released, so a single pod
     * still runs every interval and the time between two runs of the fleet stays at most one
     * interval: a rescue still comes at most {@code lease + reaper-interval} after the last
     * heartbeat.
     */
    public static String lockAtLeastFor(Duration interval) {
        return interval.dividedBy(2).toString();
    }

    @Bean(LeaseReaper.BEAN)
    LeaseReaper leaseReaper(JobRepository jobs, WorkerMetrics metrics, WorkerProperties properties) {
        return new LeaseReaper(
                jobs,
                metrics,
                properties.id(),
                properties.reaperBatch(),
                properties.reaperInterval(),
                new RescuePolicy(properties.maxRescues(), properties.backoff().fallback()));
    }

    @Bean(RetryPromoter.BEAN)
    RetryPromoter retryPromoter(JobRepository jobs, WorkerProperties properties) {
        return new RetryPromoter(
                jobs, properties.id(), properties.retryPromoterBatch(), properties.retryPromoterInterval());
    }

    @Bean(PriorityAger.BEAN)
    PriorityAger priorityAger(JobRepository jobs, WorkerProperties properties) {
        WorkerProperties.Aging aging = properties.aging();
        return new PriorityAger(jobs, aging.step(), aging.batch(), aging.interval());
    }

    @Bean
    @DependsOnDatabaseInitialization
    Retention retention(DataSource dataSource) {
        return new Retention(dataSource);
    }

    @Bean(RetentionChore.BEAN)
    RetentionChore retentionChore(Retention retention, WorkerMetrics metrics, WorkerProperties properties) {
        return new RetentionChore(retention, metrics, properties.retention());
    }

    @Bean
    @DependsOnDatabaseInitialization
    Schedules schedules(DataSource dataSource, JobRepository jobs) {
        return new Schedules(dataSource, jobs);
    }

    @Bean
    DeclaredSchedules declaredSchedules(Schedules schedules, WorkerProperties properties) {
        return new DeclaredSchedules(schedules, properties.schedules());
    }

    @Bean
    ScheduleEnqueuer scheduleEnqueuer(Schedules schedules, DeclaredSchedules declared) {
        return new ScheduleEnqueuer(schedules);
    }

    /**
     * Schedules the chores through their ShedLock proxies (the beans injected here), at the
     * intervals of {@link WorkerProperties}.
     */
    @Bean
    SchedulingConfigurer maintenanceSchedule(
            LeaseReaper reaper,
            RetryPromoter promoter,
            PriorityAger ager,
            ScheduleEnqueuer enqueuer,
            RetentionChore retention,
            QueueDepthGauges gauges,
            WorkerProperties properties) {
        return (ScheduledTaskRegistrar registrar) -> {
            registrar.addFixedDelayTask(new DatabaseChore("lease reaper", reaper::run), properties.reaperInterval());
            registrar.addFixedDelayTask(
                    new DatabaseChore("retry promoter", promoter::run), properties.retryPromoterInterval());
            registrar.addFixedDelayTask(
                    new DatabaseChore("priority aging", ager::run),
                    properties.aging().interval());
            registrar.addFixedDelayTask(
                    new DatabaseChore("schedule enqueuer", enqueuer::run), properties.schedulesInterval());
            registrar.addFixedDelayTask(
                    new DatabaseChore("queue depth gauges", gauges::refresh), properties.queueMetricsInterval());
            if (properties.retention().enabled()) {
                registrar.addFixedDelayTask(
                        new DatabaseChore("retention", retention::run),
                        properties.retention().interval());
            }
        };
    }
}
