package dev.jobfleet.worker.maintenance;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;

/**
 * A periodic chore that needs the database. While the database is unreachable the chore is
 * skipped with a WARN (it runs again at its next interval; nothing is lost, the next run picks up
 * what this one would have done); anything else is unexpected and propagates to the scheduler's
 * ERROR log.
 */
final class DatabaseChore implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(DatabaseChore.class);

    private final String name;
    private final Runnable chore;

    DatabaseChore(String name, Runnable chore) {
        this.name = name;
        this.chore = chore;
    }

    @Override
    public void run() {
        try {
            chore.run();
        } catch (DataAccessResourceFailureException | TransientDataAccessException | RecoverableDataAccessException e) {
            log.warn(
                    "{} skipped, the database is unavailable: {}",
                    name,
                    e.getMostSpecificCause().getMessage());
        }
    }

    @Override
    public String toString() {
        return name;
    }
}
