package dev.jobfleet.worker.demo;

import dev.jobfleet.store.JobRepository;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The demo handlers, on unless {@code jobfleet.worker.demo-handlers=false}. */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty(name = "jobfleet.worker.demo-handlers", matchIfMissing = true)
public class DemoHandlersConfiguration {

    @Bean
    ExecutionAudit executionAudit(JobRepository jobs) {
        return new ExecutionAudit(jobs);
    }

    @Bean
    DemoNoopHandler demoNoopHandler(ExecutionAudit audit) {
        return new DemoNoopHandler(audit);
    }

    @Bean
    DemoSleepHandler demoSleepHandler(ExecutionAudit audit) {
        return new DemoSleepHandler(audit);
    }

    @Bean
    DemoFailHandler demoFailHandler(ExecutionAudit audit) {
        return new DemoFailHandler(audit);
    }
}
