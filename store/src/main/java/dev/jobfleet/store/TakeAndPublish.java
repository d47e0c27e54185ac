package dev.jobfleet.store;

import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.TransactionException;
import org.springframework.transaction.TransactionStatus;

/**
 * A relay's step (the outbox, the dead letters): rows taken (locked and deleted) and handed to
 * {@code publish} in one transaction, committed only if {@code publish} returns, so a publish that
 * throws (Kafka down) leaves every row for the next try.
 */
final class TakeAndPublish {
    private TakeAndPublish() {}

    /** @return how many rows were published */
    static <T> int run(PlatformTransactionManager transactions, Supplier<List<T>> take, Consumer<List<T>> publish) {
        // by hand rather than TransactionTemplate: when the database is gone the rollback fails too,
        // and the template logs that at ERROR; here it travels as a suppressed exception of the cause
        TransactionStatus tx = transactions.getTransaction(TransactionDefinition.withDefaults());
        int published;
        try {
            List<T> batch = take.get();
            if (!batch.isEmpty()) {
                publish.accept(batch);
            }
            published = batch.size();
        } catch (RuntimeException | Error e) {
            try {
                transactions.rollback(tx);
            } catch (TransactionException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw e;
        }
        transactions.commit(tx);
        return published;
    }
}
