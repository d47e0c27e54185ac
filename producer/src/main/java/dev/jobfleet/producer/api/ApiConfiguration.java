package dev.jobfleet.producer.api;

import dev.jobfleet.producer.ProducerProperties;
import dev.jobfleet.store.JobRepository;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.json.JsonMapper;

/** The HTTP API's parts: request reading, submission and the body size guard. */
@Configuration(proxyBeanMethods = false)
public class ApiConfiguration {

    @Bean
    SubmitRequestReader submitRequestReader(ProducerProperties properties) {
        return new SubmitRequestReader(properties.maxPayloadBytes());
    }

    @Bean
    JobSubmitter jobSubmitter(JobRepository repository) {
        return new JobSubmitter(repository);
    }

    @Bean
    FilterRegistrationBean<RequestSizeLimitFilter> requestSizeLimitFilter(
            ProducerProperties properties, JsonMapper json) {
        FilterRegistrationBean<RequestSizeLimitFilter> registration =
                new FilterRegistrationBean<>(new RequestSizeLimitFilter(properties.maxPayloadBytes(), json));
        registration.addUrlPatterns("/jobs", "/jobs/*");
        return registration;
    }
}
