package dev.jobfleet.worker;

import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import sun.misc.Signal;

/**
 * Makes SIGTERM a clean stop with exit status 0.
 *
 * <p>The JVM's own handler runs the shutdown hooks (Spring Boot's closes the context, so the
 * worker does shut down gracefully) but then exits with status 143 (128 + 15), which Kubernetes
 * and systemd report as a failure. This handler replaces it: it closes the context the same way
 * ({@link dev.jobfleet.worker.run.WorkerEngine}: readiness down, stop intake, let handlers finish within {@code
 * shutdown-grace}, release the rest, commit offsets) and exits with the context's exit code,
 * 0 unless closing failed. A second SIGTERM while the first is being handled is ignored; SIGKILL
 * remains the way to stop at once.
 *
 * <p>{@code sun.misc.Signal} is in module {@code jdk.unsupported}, exported and supported for
 * exactly this use; on a platform without SIGTERM the JVM's default stays.
 */
final class TerminationSignal {
    private static final Logger log = LoggerFactory.getLogger(TerminationSignal.class);

    private TerminationSignal() {}

    static void exitCleanlyOn(ConfigurableApplicationContext context) {
        AtomicBoolean stopping = new AtomicBoolean();
        try {
            Signal.handle(new Signal("TERM"), signal -> {
                if (!stopping.compareAndSet(false, true)) {
                    log.info("SIGTERM again: already stopping");
                    return;
                }
                log.info("SIGTERM: stopping the worker");
                System.exit(SpringApplication.exit(context));
            });
        } catch (IllegalArgumentException e) {
            log.warn("cannot handle SIGTERM on this platform; the JVM's default applies", e);
        }
    }
}
