package dev.jobfleet.worker.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.kafka.clients.consumer.Consumer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.MicrometerConsumerListener;

/**
 * The Kafka consumer's client metrics on the worker's registry, refreshed every {@link #REFRESH}.
 * Spring Boot binds them with Micrometer's default refresh of 60 s, and the per-partition series
 * (the lag of each assigned partition, {@code kafka_consumer_fetch_manager_records_lag}) only
 * exist after a refresh that follows the assignment: a new worker's lag panel stayed empty for a
 * minute after every start or rebalance. This replaces Boot's listener on the consumer factory with
 * one that binds the same meters (same names and {@code spring.id} tag) and refreshes every 5 s.
 */
public final class ConsumerMetrics<K, V> implements ConsumerFactory.Listener<K, V> {
    /** How often the list of the client's metrics is re-read (new partitions, new metrics). */
    public static final Duration REFRESH = Duration.ofSeconds(5);

    private final MeterRegistry registry;
    private final Map<String, Bound> bound = new ConcurrentHashMap<>();

    public ConsumerMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void consumerAdded(String id, Consumer<K, V> consumer) {
        ScheduledExecutorService refresh = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "kafka-metrics-" + id);
            thread.setDaemon(true);
            return thread;
        });
        KafkaClientMetrics metrics =
                new KafkaClientMetrics(consumer, List.of(Tag.of("spring.id", id)), refresh, REFRESH);
        metrics.bindTo(registry);
        Bound previous = bound.put(id, new Bound(metrics, refresh));
        if (previous != null) {
            previous.close();
        }
    }

    @Override
    public void consumerRemoved(String id, Consumer<K, V> consumer) {
        Bound b = bound.remove(id);
        if (b != null) {
            b.close();
        }
    }

    private record Bound(KafkaClientMetrics metrics, ScheduledExecutorService refresh) {
        void close() {
            metrics.close();
            refresh.shutdownNow();
        }
    }

    /**
     * Swaps Boot's listener for this one on every {@link DefaultKafkaConsumerFactory} of the
     * context, after Boot's customizers ran (they add the listener while building the factory).
     */
    public static BeanPostProcessor replaceBootsListener(ObjectProvider<MeterRegistry> registry) {
        return new BeanPostProcessor() {
            @Override
            public Object postProcessAfterInitialization(Object bean, String beanName) {
                if (bean instanceof DefaultKafkaConsumerFactory<?, ?> factory) {
                    MeterRegistry meters = registry.getIfAvailable();
                    if (meters != null) {
                        swap(factory, meters);
                    }
                }
                return bean;
            }
        };
    }

    private static <K, V> void swap(DefaultKafkaConsumerFactory<K, V> factory, MeterRegistry meters) {
        List<ConsumerFactory.Listener<K, V>> boots = factory.getListeners().stream()
                .filter(l -> l instanceof MicrometerConsumerListener<?, ?>)
                .toList();
        boots.forEach(factory::removeListener);
        factory.addListener(new ConsumerMetrics<>(meters));
    }
}
