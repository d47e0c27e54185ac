package dev.jobfleet.store;

import java.util.List;

/**
 * One page of jobs, newest first ({@link JobRepository#list}).
 *
 * @param jobs the jobs of this page
 * @param more whether jobs follow this page: ask again with the cursor of the last one
 */
public record JobPage(List<JobRow> jobs, boolean more) {
    public JobPage {
        jobs = List.copyOf(jobs);
    }
}
