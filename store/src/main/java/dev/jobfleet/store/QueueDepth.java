package dev.jobfleet.store;

import dev.jobfleet.model.JobState;

/** How many jobs of a type are in a state. */
public record QueueDepth(JobState state, String type, long count) {}
