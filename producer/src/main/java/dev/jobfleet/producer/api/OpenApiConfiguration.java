package dev.jobfleet.producer.api;

import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.Schema;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springdoc.core.utils.SpringDocUtils;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import tools.jackson.databind.JsonNode;

/** The OpenAPI document springdoc serves at {@code /v3/api-docs} (and the UI at {@code /swagger-ui.html}). */
@Configuration(proxyBeanMethods = false)
public class OpenApiConfiguration {
    static final String PROBLEM_JSON = "application/problem+json";

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
                        .description("Submit, read, list, change, cancel and retry background jobs; bulk submission,"
                                + " fan-in batches, concurrency limits and recurring schedules. Submissions are"
                                + " stored with an outbox event in one transaction and relayed to Kafka. Errors are"
                                + " RFC 9457 problem details whose `errors` member names the fields at fault."));
    }

    /**
     * Every error response is a problem: controllers declare the status and what it means, this
     * gives each 4xx and 5xx response the {@code Problem} schema as {@value #PROBLEM_JSON} (springdoc
     * would describe them with the operation's own return type).
     */
    @Bean
    OpenApiCustomizer problemResponses() {
        return openApi -> {
            if (openApi.getComponents() == null) {
                openApi.setComponents(new Components());
            }
            ModelConverters.getInstance().readAll(ProblemSchema.class).forEach(openApi.getComponents()::addSchemas);
            Content problem = new Content()
                    .addMediaType(
                            PROBLEM_JSON, new MediaType().schema(new Schema<>().$ref("#/components/schemas/Problem")));
            if (openApi.getPaths() == null) {
                return;
            }
            openApi.getPaths()
                    .values()
                    .forEach(path -> path.readOperations().forEach(operation -> {
                        if (operation.getResponses() == null) {
                            return;
                        }
                        operation.getResponses().forEach((code, response) -> {
                            if (isError(code)) {
                                response.setContent(problem);
                            }
                        });
                    }));
        };
    }

    private static boolean isError(String code) {
        return code.length() == 3 && (code.charAt(0) == '4' || code.charAt(0) == '5');
    }
}
