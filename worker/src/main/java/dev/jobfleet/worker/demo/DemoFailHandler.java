package dev.jobfleet.worker.demo;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;

/**
 * {@code demo.fail} with {@code {"times": n}}: throws in attempts 1 to n, then completes. Shows
 * retries with backoff, the errors kept per attempt, and DEAD when {@code maxAttempts <= n}.
 */
public final class DemoFailHandler implements JobHandler {
    public static final String TYPE = "demo.fail";

    private final ExecutionAudit audit;

    public DemoFailHandler(ExecutionAudit audit) {
        this.audit = audit;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Outcome handle(JobContext context) throws Exception {
        int times = context.payload().path("times").asInt(0);
        return audit.record(context, () -> {
            if (context.attempt() <= times) {
                throw new DemoFailure("demo.fail: attempt " + context.attempt() + " of the " + times + " that fail");
            }
            return Outcome.completed();
        });
    }

    /** The failure {@code demo.fail} is asked for. */
    public static final class DemoFailure extends RuntimeException {
        public DemoFailure(String message) {
            super(message);
        }
    }
}
