package dev.jobfleet.worker.demo;

import dev.jobfleet.model.Outcome;
import dev.jobfleet.worker.api.JobContext;
import dev.jobfleet.worker.api.JobHandler;

/** {@code demo.noop}: does nothing and completes. */
public final class DemoNoopHandler implements JobHandler {
    public static final String TYPE = "demo.noop";

    private final ExecutionAudit audit;

    public DemoNoopHandler(ExecutionAudit audit) {
        this.audit = audit;
    }

    @Override
    public String type() {
        return TYPE;
    }

    @Override
    public Outcome handle(JobContext context) throws Exception {
        return audit.record(context, Outcome::completed);
    }
}
