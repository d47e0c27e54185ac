package dev.jobfleet.worker;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import dev.jobfleet.worker.demo.ExecutionAudit;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Handlers that misbehave on purpose, for the engine's tests in child processes ({@link
 * TestWorkerMain}). Each records its executions in the demo audit, so overlaps are one query away.
 */
@Configuration(proxyBeanMethods = false)
class EngineTestHandlers {
    /**
     * Works for {@code ms} and ignores every interrupt while it does; with {@code "firstAttemptOnly":
     * true} a later attempt completes at once.
     */
    static final String STUBBORN = "test.stubborn";
    /** Works for {@code ms} in slices; interrupted, it "finishes up" for {@code finishMs} (ignoring interrupts), then gives up. */
    static final String FINISH_UP = "test.finish-up";
    /** Halts its JVM, as a job that crashes its worker would. */
    static final String HALT = "test.halt";

    @Bean
    JobHandler stubbornHandler(ExecutionAudit audit) {
        return handler(
                STUBBORN,
                context -> audit.record(context, () -> {
                    if (context.attempt() > 1
                            && context.payload().path("firstAttemptOnly").asBoolean(false)) {
                        return Outcome.completed();
                    }
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms(context, "ms"));
                    while (System.nanoTime() < deadline) {
                        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // returns early on interrupt...
                        Thread.interrupted(); // ...which this handler ignores on purpose
                    }
                    return Outcome.completed();
                }));
    }

    @Bean
    JobHandler finishUpHandler(ExecutionAudit audit) {
        return handler(
                FINISH_UP,
                context -> audit.record(context, () -> {
                    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms(context, "ms"));
                    try {
                        while (System.nanoTime() < deadline) {
                            TimeUnit.MILLISECONDS.sleep(20); // the work
                        }
                        return Outcome.completed();
                    } catch (InterruptedException stop) {
                        long finishing = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ms(context, "finishMs"));
                        while (System.nanoTime() < finishing) {
                            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20)); // cleaning up, deaf to interrupts
                            Thread.interrupted();
                        }
                        throw stop;
                    }
                }));
    }

    @Bean
    JobHandler haltHandler(ExecutionAudit audit) {
        return handler(
                HALT,
                context -> audit.record(context, () -> {
                    Runtime.getRuntime().halt(3);
                    return Outcome.completed();
                }));
    }

    private static long ms(JobContext context, String field) {
        return context.payload().path(field).asLong(0);
    }

    interface Body {
        Outcome handle(JobContext context) throws Exception;
    }

    private static JobHandler handler(String type, Body body) {
        return new JobHandler() {
            @Override
            public String type() {
                return type;
            }

            @Override
            public Outcome handle(JobContext context) throws Exception {
                return body.handle(context);
            }
        };
    }
}
