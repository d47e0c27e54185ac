package dev.jobfleet.cli;

/** What a command works with: the producer's API and the terminal. */
record Session(ApiClient api, Output output) {

    boolean json() {
        return output.json();
    }
}
