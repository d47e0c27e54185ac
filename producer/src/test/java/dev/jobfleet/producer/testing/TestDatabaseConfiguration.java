package dev.jobfleet.producer.testing;

import dev.jobfleet.store.TestDatabase;
import javax.sql.DataSource;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;

/**
 * The app under test runs on a fresh, migrated database of the real PostgreSQL server (the
 * store's {@link TestDatabase}), dropped when the Spring context closes, connected as the role the
 * app gets in production, {@code jobfleet_app} (DML only): every test of the API also shows that
 * role is enough. Flyway still runs at startup, as {@code jobfleet_owner}, and finds the schema
 * current. Tests that must arrange what the app role may not (a scratch table) use {@link
 * TestDatabase#dataSource()}.
 */
@TestConfiguration(proxyBeanMethods = false)
public class TestDatabaseConfiguration {

    @Bean(destroyMethod = "close")
    TestDatabase testDatabase(@Value("${jobfleet.test.pool-size:8}") int poolSize) {
        return TestDatabase.create(poolSize);
    }

    @Bean
    DataSource dataSource(TestDatabase database) {
        return database.appDataSource();
    }
}
