package dev.jobfleet.store;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/** Applies jobfleet's Flyway migrations ({@code classpath:db/migration}) outside Spring Boot. */
public final class Schema {
    public static final String LOCATION = "classpath:db/migration";

    private Schema() {}

    /** Migrate the database to the newest schema; returns the number of migrations applied. */
    public static int migrate(DataSource dataSource) {
        return Flyway.configure()
                .dataSource(dataSource)
                .locations(LOCATION)
                .load()
                .migrate()
                .migrationsExecuted;
    }
}
