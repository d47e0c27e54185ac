package dev.jobfleet.producer.testing;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Row counts of every table in the schema, whatever migrations added them: "the refused request
 * changed nothing" means none of these moved. Needs a role that may read them all (the test
 * database's superuser: the app role may not read Flyway's history).
 */
public final class AllTables {
    private AllTables() {}

    public static Map<String, Long> counts(DataSource admin) {
        JdbcClient jdbc = JdbcClient.create(admin);
        List<String> tables = jdbc.sql(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()" + " ORDER BY tablename")
                .query(String.class)
                .list();
        StringBuilder sql = new StringBuilder("SELECT ");
        for (int i = 0; i < tables.size(); i++) {
            sql.append(i == 0 ? "" : ", ")
                    .append("(SELECT count(*) FROM \"")
                    .append(tables.get(i))
                    .append("\")");
        }
        Map<String, Long> counts = new LinkedHashMap<>();
        jdbc.sql(sql.toString()).query(rs -> {
            for (int i = 0; i < tables.size(); i++) {
                counts.put(tables.get(i), rs.getLong(i + 1));
            }
        });
        return counts;
    }
}
