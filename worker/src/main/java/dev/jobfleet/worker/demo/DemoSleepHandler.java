package dev.jobfleet.worker.demo;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;
import tools.jackson.databind.JsonNode;

/**
 * {@code demo.sleep} with {@code {"ms": n}}: works for n milliseconds, then completes. Stops
 * early when the lease is lost, as a long handler should: its result would not be written and
 * another run may own the job. A payload without a whole {@code ms >= 0} is discarded.
 */
public final class DemoSleepHandler implements JobHandler {
    public static final String TYPE = "demo.sleep";
    private static final long SLICE_MS = 50;

    private final ExecutionAudit audit;

    public DemoSleepHandler(ExecutionAudit audit) {
        this.audit = audit;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Outcome handle(JobContext context) throws Exception {
        JsonNode ms = context.payload().path("ms");
        if (!ms.isIntegralNumber() || !ms.canConvertToLong() || ms.longValue() < 0) {
            return Outcome.discard("demo.sleep needs {\"ms\": n} with a whole n >= 0, got " + context.payload());
        }
        return audit.record(context, () -> sleep(context, ms.longValue()));
    }

    private static Outcome sleep(JobContext context, long millis) throws InterruptedException {
        long deadline = System.nanoTime() + millis * 1_000_000;
        for (long left = millis; left > 0; left = (deadline - System.nanoTime()) / 1_000_000) {
            if (context.leaseLost()) {
                return Outcome.retry("lease lost after " + (millis - left) + " of " + millis + " ms");
            }
            // this sleep is the work the handler stands for
            Thread.sleep(Math.min(left, SLICE_MS));
        }
        return Outcome.completed();
    }
}
