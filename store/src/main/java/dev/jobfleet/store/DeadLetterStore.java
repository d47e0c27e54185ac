package dev.jobfleet.store;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * The dead-letter outbox: a worker keeps each record it refuses here (one statement per batch),
 * which is enough to commit the record's offset, and a relay moves the letters to the dead-letter
 * topic when it can be written. A poison record therefore never holds its partition, whatever the
 * dead-letter topic's state.
 */
public class DeadLetterStore {
    private static final JsonMapper JSON = dev.jobfleet.model.JobCodec.mapper();
    private static final Base64.Encoder B64 = Base64.getEncoder();
    private static final Base64.Decoder B64D = Base64.getDecoder();

    private final JdbcClient jdbc;
    private final DataSourceTransactionManager transactionManager;

    public DeadLetterStore(DataSource dataSource) {
        this.jdbc = JdbcClient.create(dataSource);
        this.transactionManager = new DataSourceTransactionManager(dataSource);
    }

    /** Keeps the letters (a letter already kept for its source offset is left alone); returns how many are new. */
    public int keep(List<DeadLetterRecord> letters) {
        if (letters.isEmpty()) {
            return 0;
        }
        ArrayNode rows = JSON.createArrayNode();
        for (DeadLetterRecord letter : letters) {
            ObjectNode row = rows.addObject();
            row.put("topic", letter.topic());
            row.put("partition", letter.partition());
            row.put("offset", letter.offset());
            row.put("key", letter.key() == null ? null : B64.encodeToString(letter.key()));
            row.put("value", letter.value() == null ? null : B64.encodeToString(letter.value()));
            ArrayNode headers = row.putArray("headers");
            for (DeadLetterRecord.Header h : letter.headers()) {
                ObjectNode header = headers.addObject();
                header.put("k", B64.encodeToString(h.name().getBytes(StandardCharsets.UTF_8)));
                header.put("v", h.value() == null ? null : B64.encodeToString(h.value()));
            }
            row.put("reason", letter.reason());
            row.put("detail", letter.detail());
        }
        return jdbc.sql(DeadLetterSql.INSERT)
                .param(JSON.writeValueAsString(rows))
                .update();
    }

    /**
     * Takes up to {@code limit} letters and hands them to {@code publish} inside one transaction:
     * they are deleted only if {@code publish} returns, so a publish that throws leaves them all.
     *
     * @return how many letters were published
     */
    public int relay(int limit, Consumer<List<DeadLetterRecord>> publish) {
        return TakeAndPublish.run(
                transactionManager,
                () -> jdbc.sql(DeadLetterSql.TAKE)
                        .param(limit)
                        .query((rs, n) -> new DeadLetterRecord(
                                rs.getString("source_topic"),
                                rs.getInt("source_partition"),
                                rs.getLong("source_offset"),
                                rs.getBytes("record_key"),
                                rs.getBytes("record_value"),
                                headers(rs.getString("headers")),
                                rs.getString("reason"),
                                rs.getString("detail")))
                        .list(),
                publish);
    }

    /** Letters waiting for the dead-letter topic. */
    public long waiting() {
        return jdbc.sql(DeadLetterSql.COUNT).query(Long.class).single();
    }

    private static List<DeadLetterRecord.Header> headers(String json) {
        List<DeadLetterRecord.Header> headers = new ArrayList<>();
        for (JsonNode h : JSON.readTree(json)) {
            JsonNode v = h.path("v");
            headers.add(new DeadLetterRecord.Header(
                    new String(B64D.decode(h.path("k").asString()), StandardCharsets.UTF_8),
                    v.isNull() || v.isMissingNode() ? null : B64D.decode(v.asString())));
        }
        return headers;
    }
}
