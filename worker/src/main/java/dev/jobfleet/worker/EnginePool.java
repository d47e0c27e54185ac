package dev.jobfleet.worker;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import javax.sql.DataSource;
import org.springframework.beans.factory.DisposableBean;

/**
 * A small connection pool of the engine's own, apart from the one the handlers share: the poll
 * thread's claims, the completer's outcome writes, the heartbeat and the due-job poller each keep
 * a connection, so no amount of handler load can starve lease extension or outcome writes. It is
 * the application's data source with the same settings, a pool name of its own and {@code size}
 * connections. Deliberately not a {@code DataSource} bean: that would switch off Spring Boot's own.
 */
public final class EnginePool implements DisposableBean {
    private final DataSource dataSource;
    private final HikariDataSource owned;

    EnginePool(DataSource application, int size) {
        if (application instanceof HikariDataSource hikari) {
            HikariConfig config = new HikariConfig();
            hikari.copyStateTo(config);
            config.setPoolName("jobfleet-engine");
            config.setMaximumPoolSize(size);
            config.setMinimumIdle(size);
            // a claim or an outcome write that cannot get a connection retries; it must not hang the stage
            config.setConnectionTimeout(Math.min(config.getConnectionTimeout(), 5_000));
            this.owned = new HikariDataSource(config);
            this.dataSource = owned;
        } else {
            this.owned = null;
            this.dataSource = application;
        }
    }

    public DataSource dataSource() {
        return dataSource;
    }

    @Override
    public void destroy() {
        if (owned != null) {
            owned.close();
        }
    }
}
