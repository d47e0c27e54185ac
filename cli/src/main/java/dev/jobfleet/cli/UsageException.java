package dev.jobfleet.cli;

/** An argument the command itself finds wrong (e.g. {@code --payload} that is not JSON): exit code 1. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }
}
