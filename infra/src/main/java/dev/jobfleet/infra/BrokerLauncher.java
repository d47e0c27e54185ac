package dev.jobfleet.infra;

import java.util.Arrays;

/**
 * Main class of the broker's child JVM: {@code kafka.Kafka}, plus a watch on the JVM that started
 * it. When that JVM is gone without having stopped the broker (kill -9, a crashed test fork), the
 * broker shuts down in order instead of holding its ports as an orphan.
 *
 * <p>Arguments: the parent's process id, then the arguments of {@code kafka.Kafka}.
 */
public final class BrokerLauncher {
    private BrokerLauncher() {}

    public static void main(String[] args) {
        if (args.length < 2) {
            System.err.println("usage: BrokerLauncher <parent pid> <server.properties> [kafka.Kafka options]");
            System.exit(2);
        }
        long parentPid = Long.parseLong(args[0]);
        ProcessHandle.of(parentPid)
                .ifPresentOrElse(
                        parent -> parent.onExit().thenRun(() -> exitBecauseParentIsGone(parentPid)),
                        () -> exitBecauseParentIsGone(parentPid));
        kafka.Kafka.main(Arrays.copyOfRange(args, 1, args.length));
    }

    private static void exitBecauseParentIsGone(long parentPid) {
        System.err.println("process " + parentPid + " that started this broker is gone; shutting down");
        System.exit(0);
    }
}
