package dev.jobfleet.producer.api;

import dev.jobfleet.producer.ProducerProperties;
import dev.jobfleet.producer.api.batches.BatchRequestReader;
import dev.jobfleet.producer.api.schedules.ScheduleRequestReader;
import dev.jobfleet.store.Batches;
import dev.jobfleet.store.JobRepository;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Arrays;
import org.apache.catalina.Context;
import org.apache.catalina.Lifecycle;
import org.apache.catalina.Pipeline;
import org.apache.catalina.Valve;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.tomcat.servlet.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP API's parts: request reading, submission and the body size guards. */
@Configuration(proxyBeanMethods = false)
public class ApiConfiguration {

    @Bean
    SubmitRequestReader submitRequestReader(ProducerProperties properties) {
        return new SubmitRequestReader(properties.maxPayloadBytes());
    }

    @Bean
    JobAccess jobAccess(JobRepository repository) {
        return new JobAccess(repository);
    }

    @Bean
    JobSubmitter jobSubmitter(JobRepository repository, ObjectProvider<SubmitGroupCommit> groupCommit) {
        return new JobSubmitter(repository, groupCommit.getIfAvailable());
    }

    /** Closed after the web server's graceful shutdown: every request it took has its answer by then. */
    @Bean(destroyMethod = "close")
    @ConditionalOnProperty(name = "jobfleet.producer.group-commit.enabled", matchIfMissing = true)
    SubmitGroupCommit submitGroupCommit(JobRepository repository, ProducerProperties properties, MeterRegistry meters) {
        ProducerProperties.GroupCommit settings = properties.groupCommit();
        return new SubmitGroupCommit(repository, settings.committers(), settings.maxSize(), meters);
    }

    @Bean
    BulkSubmitter bulkSubmitter(SubmitRequestReader reader, JobSubmitter submitter, ProducerProperties properties) {
        return new BulkSubmitter(reader, submitter, properties.maxBatchSize());
    }

    @Bean
    PatchRequestReader patchRequestReader(SubmitRequestReader reader) {
        return new PatchRequestReader(reader);
    }

    @Bean
    JobRedriver jobRedriver(JobRepository repository, Batches batches) {
        return new JobRedriver(repository, batches);
    }

    @Bean
    BatchRequestReader batchRequestReader(SubmitRequestReader reader, ProducerProperties properties) {
        return new BatchRequestReader(reader, properties.maxBatchSize());
    }

    @Bean
    ScheduleRequestReader scheduleRequestReader(SubmitRequestReader reader) {
        return new ScheduleRequestReader(reader);
    }

    /** Tomcat's own refusals (a bad path, undecodable bytes) as problem documents: {@link ProblemErrorReportValve}. */
    @Bean
    WebServerFactoryCustomizer<TomcatServletWebServerFactory> problemErrorReports() {
        return factory -> factory.addContextLifecycleListeners(event -> {
            if (Lifecycle.BEFORE_START_EVENT.equals(event.getType())
                    && event.getLifecycle() instanceof Context context
                    && context.getParent() instanceof StandardHost host) {
                host.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
                Pipeline pipeline = host.getPipeline();
                for (Valve valve : pipeline.getValves()) {
                    if (valve instanceof ErrorReportValve && !(valve instanceof ProblemErrorReportValve)) {
                        pipeline.removeValve(valve);
                    }
                }
                if (Arrays.stream(pipeline.getValves()).noneMatch(ProblemErrorReportValve.class::isInstance)) {
                    pipeline.addValve(new ProblemErrorReportValve());
                }
            }
        });
    }

    /** Requests about one job, limit or schedule: a payload's worth and some room. */
    @Bean
    FilterRegistrationBean<RequestSizeLimitFilter> requestSizeLimitFilter(
            ProducerProperties properties, JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration =
                new FilterRegistrationBean<>(new RequestSizeLimitFilter(
                        properties.maxPayloadBytes() + RequestSizeLimitFilter.SLACK_BYTES, "payload", json));
        registration.setName("requestSizeLimitFilter");
        registration.addUrlPatterns("/jobs", "/jobs/*", "/schedules/*", "/concurrency-limits/*");
        return registration;
    }

    /** Requests with many jobs: {@code max-batch-bytes}. */
    @Bean
    FilterRegistrationBean<RequestSizeLimitFilter> batchSizeLimitFilter(
            ProducerProperties properties, JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration = new FilterRegistrationBean<>(
                new RequestSizeLimitFilter(properties.maxBatchBytes(), JobArray.FIELD, json));
        registration.setName("batchSizeLimitFilter");
        registration.addUrlPatterns("/jobs:batch", "/batches", "/batches/*");
        return registration;
    }
}
