package dev.jobfleet.worker.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.HandlerConfiguration;
import dev.jobfleet.worker.WorkerProperties;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

class HandlerRegistryTest {

    @Test
    void findsHandlersByType() {
        JobHandler mail = new Named("mail.send");
        JobHandler report = new Named("report.build");

        HandlerRegistry registry = new HandlerRegistry(List.of(mail, report));

        assertThat(registry.types()).containsExactlyInAnyOrder("mail.send", "report.build");
        assertThat(registry.require("mail.send")).isSameAs(mail);
        assertThat(registry.find("report.build")).containsSame(report);
        assertThat(registry.handles("other")).isFalse();
        assertThat(registry.find("other")).isEmpty();
        assertThatThrownBy(() -> registry.require("other"))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("no JobHandler for type 'other'");
    }

    @Test
    void twoHandlersForOneTypeAreRefusedNamingTheTypeAndBothClasses() {
        assertThatThrownBy(() -> new HandlerRegistry(List.of(new Named("mail.send"), new Other("mail.send"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'mail.send'")
                .hasMessageContaining(Named.class.getName())
                .hasMessageContaining(Other.class.getName())
                .hasMessageContaining("more than once");
    }

    @Test
    void aTypeThatIsNoValidJobTypeIsRefused() {
        assertThatThrownBy(() -> new HandlerRegistry(List.of(new Named("has space"))))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'has space'");
    }

    @Test
    void anApplicationWithTwoHandlersForOneTypeDoesNotStart() {
        new ApplicationContextRunner()
                .withUserConfiguration(Properties.class, HandlerConfiguration.class)
                .withBean("first", JobHandler.class, () -> new Named("mail.send"))
                .withBean("second", JobHandler.class, () -> new Other("mail.send"))
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure())
                            .rootCause()
                            .hasMessageContaining("each job type needs exactly one JobHandler")
                            .hasMessageContaining("'mail.send'");
                    System.out.println("startup refused: "
                            + org.assertj.core.util.Throwables.getRootCause(context.getStartupFailure())
                                    .getMessage());
                });
    }

    @Test
    void anApplicationWithoutHandlersDoesNotStart() {
        new ApplicationContextRunner()
                .withUserConfiguration(Properties.class, HandlerConfiguration.class)
                .run(context -> assertThat(context.getStartupFailure())
                        .rootCause()
                        .hasMessageContaining("no JobHandler beans"));
    }

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(WorkerProperties.class)
    static class Properties {}

    record Named(String type) implements JobHandler {
        @Override
        public Outcome handle(JobContext context) {
            return Outcome.completed();
        }
    }

    record Other(String type) implements JobHandler {
        @Override
        public Outcome handle(JobContext context) {
            return Outcome.completed();
        }
    }
}
