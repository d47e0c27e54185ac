package dev.jobfleet.store;

import java.sql.SQLException;

/** What the lock-ordering tests ask of a failure. */
public final class Deadlocks {
    private Deadlocks() {}

    /** Whether PostgreSQL aborted the statement as a deadlock victim (SQLState 40P01), at any depth. */
    public static boolean isDeadlock(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql && "40P01".equals(sql.getSQLState())) {
                return true;
            }
        }
        return false;
    }
}
