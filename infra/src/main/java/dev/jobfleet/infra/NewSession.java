package dev.jobfleet.infra;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Runs a child process in a session of its own, so that a terminal's Ctrl-C (SIGINT to the whole
 * foreground process group) reaches only this JVM, whose shutdown hook then stops the child after
 * the apps that use it. Without {@code setsid} the child shares our group and stops on Ctrl-C by
 * itself, possibly before the apps are done with it.
 */
final class NewSession {
    private static final List<String> PREFIX = find();

    private NewSession() {}

    /** The command words to put before the child's command: {@code setsid}, or nothing. */
    static List<String> prefix() {
        return PREFIX;
    }

    private static List<String> find() {
        for (String candidate : List.of("/usr/bin/setsid", "/bin/setsid")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return List.of(candidate);
            }
        }
        return List.of();
    }
}
