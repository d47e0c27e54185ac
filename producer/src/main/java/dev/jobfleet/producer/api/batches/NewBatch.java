package dev.jobfleet.producer.api.batches;

import dev.jobfleet.model.JobEvent;
import dev.jobfleet.store.Batches;
import java.util.List;

/** A checked {@code POST /batches} request, ready for {@link Batches#create}. */
record NewBatch(Batches.Policy policy, Batches.Callback callback, List<JobEvent> children) {}
