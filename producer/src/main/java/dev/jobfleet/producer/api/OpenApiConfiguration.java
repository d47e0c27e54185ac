package dev.jobfleet.producer.api;

import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Schema;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

/** The OpenAPI document springdoc serves at {@code /v3/api-docs} (and the UI at {@code /swagger-ui.html}). */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {
    static {
        // payloads, metadata and errors are any JSON value; swagger-core knows only Jackson 2's JsonNode
        SpringDocUtils.getConfig().replaceWithSchema(JsonNode.class, new Schema<>());
    }

    @Bean
    OpenAPI jobfleetOpenApi() {
        return new OpenAPI()
                .info(new Info()
                        .title("jobfleet producer API")
                        .version("v1")
                        .description("Submit, read, list and cancel background jobs. Submissions are stored with"
                                + " an outbox event in one transaction and relayed to Kafka. Errors are RFC 9457"
                                + " problem details whose `errors` member names the fields at fault."));
    }
}
