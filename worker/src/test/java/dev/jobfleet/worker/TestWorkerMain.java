package dev.jobfleet.worker;

import dev.jobfleet.worker.run.NaiveReleaseFirst;
import dev.jobfleet.worker.run.NaiveTimeoutRelease;
import org.springframework.boot.builder.SpringApplicationBuilder;

/**
 * The worker application with {@link EngineTestHandlers}, run as a child process by the engine's
 * tests ({@link ChildWorker#start(Class, String, dev.jobfleet.store.TestDatabase, TestBroker,
 * java.util.Map)}). With {@code --test.naive-release-first=true} it also shuts down the naive way
 * ({@link NaiveReleaseFirst}), for the negative control of the shutdown test.
 */
public final class TestWorkerMain {
    private TestWorkerMain() {}

    public static void main(String[] args) {
        TerminationSignal.exitCleanlyOn(new SpringApplicationBuilder(
                        WorkerApplication.class,
                        EngineTestHandlers.class,
                        NaiveReleaseFirst.Config.class,
                        NaiveTimeoutRelease.Config.class)
                .run(args));
    }
}
