package dev.jobfleet.worker;

import dev.jobfleet.worker.api.JobHandler;
import dev.jobfleet.worker.run.HandlerRegistry;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The handler registry, from every {@link JobHandler} bean in the context. */
@Configuration(proxyBeanMethods = false)
public class HandlerConfiguration {
    private static final Logger log = LoggerFactory.getLogger(HandlerConfiguration.class);

    @Bean
    HandlerRegistry handlerRegistry(ObjectProvider<JobHandler> handlers, WorkerProperties properties) {
        List<JobHandler> all = handlers.orderedStream().toList();
        if (all.isEmpty()) {
            throw new IllegalStateException("no JobHandler beans: a worker without handlers would dead-letter every "
                    + "event (set jobfleet.worker.demo-handlers=true or add handlers)");
        }
        HandlerRegistry registry = new HandlerRegistry(all);
        log.info("worker {} runs job types {}", properties.id(), registry.types());
        return registry;
    }
}
