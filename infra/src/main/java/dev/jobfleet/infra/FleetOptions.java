package dev.jobfleet.infra;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The command line of {@link LocalFleet}.
 *
 * @param jobs size of the demo batch
 * @param demo whether to submit the demo batch
 * @param exitAfterDemo stop after the demo, exit code 0 only if it came out as expected
 * @param demoTimeout how long the demo may take to reach terminal states
 * @param directory where PostgreSQL, Kafka and the logs keep their files
 * @param kafkaPort the broker's port; 0 picks a free one
 * @param producerPort the producer's HTTP port ({@code SERVER_PORT}, default 8080)
 * @param managementPort the producer's actuator port ({@code MANAGEMENT_SERVER_PORT}, default the
 *     producer's port + 1000: 9080); worker i gets the ones after it, as it gets the HTTP ports after
 *     the producer's
 * @param workers how many workers to start, on the ports after the producer's
 * @param workerProperties settings for every worker over its defaults ({@code --worker-property})
 * @param help print the usage and exit
 * @param containers run Kafka and PostgreSQL in containers when a Docker engine answers ({@code
 *     --containers}); the local broker and embedded PostgreSQL when none does
 */
record FleetOptions(
        int jobs,
        boolean demo,
        boolean exitAfterDemo,
        Duration demoTimeout,
        Path directory,
        int kafkaPort,
        int producerPort,
        int managementPort,
        int workers,
        Map<String, String> workerProperties,
        boolean help,
        boolean containers) {

    FleetOptions {
        workerProperties = Map.copyOf(workerProperties);
    }

    static final String USAGE = """
            Usage: LocalFleet [options]
              Runs the jobfleet locally: embedded PostgreSQL (unless SPRING_DATASOURCE_URL is set), a Kafka
              broker (unless SPRING_KAFKA_BOOTSTRAP_SERVERS is set), the producer on SERVER_PORT (8080) and
              workers worker-1, worker-2, ... on the next ports (8081, 8082, ...); once the workers' consumer
              group is stable, submits a demo batch through POST /jobs:batch and reports its rates; then
              keeps running until Ctrl-C. The actuators (health, metrics) answer on MANAGEMENT_SERVER_PORT
              (9080) and the ports after it. An operator token is made for the run and printed.

              --jobs N            size of the demo batch (default 1000, or -Djobfleet.demo.jobs)
              --no-demo           start the fleet without the demo batch
              --exit-after-demo   stop after the demo; exit 0 only if every job ended as expected
              --timeout SECONDS   how long the demo may take (default 180)
              --dir PATH          where data and logs go (default .jobfleet, wiped at each start)
              --kafka-port N      the broker's port (default 9092, or a free one if 9092 is taken; 0 = free)
              --workers N         how many workers (default 2)
              --worker-property KEY=VALUE
                                  a setting for every worker, e.g. jobfleet.worker.concurrency=64 (repeatable)
              --containers        Kafka and PostgreSQL in containers (Testcontainers) when a Docker engine
                                  answers; the broker from the Kafka jars and embedded PostgreSQL when none does
              --help              this text
            """;

    static FleetOptions parse(String[] args, Map<String, String> env) {
        int jobs = Integer.getInteger("jobfleet.demo.jobs", 1_000);
        boolean demo = true;
        boolean exitAfterDemo = false;
        Duration timeout = Duration.ofSeconds(180);
        Path directory = Path.of(".jobfleet");
        int kafkaPort = 9092;
        int workers = 2;
        Map<String, String> workerProperties = new LinkedHashMap<>();
        boolean help = false;
        boolean containers = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--jobs" -> jobs = positive(arg, value(args, ++i, arg));
                case "--no-demo" -> demo = false;
                case "--exit-after-demo" -> exitAfterDemo = true;
                case "--timeout" -> timeout = Duration.ofSeconds(positive(arg, value(args, ++i, arg)));
                case "--dir" -> directory = Path.of(value(args, ++i, arg));
                case "--kafka-port" -> kafkaPort = port(arg, value(args, ++i, arg));
                case "--workers" -> workers = positive(arg, value(args, ++i, arg));
                case "--worker-property" -> property(arg, value(args, ++i, arg), workerProperties);
                case "--containers" -> containers = true;
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        String serverPort = env.get("SERVER_PORT");
        int producerPort = serverPort == null || serverPort.isBlank() ? 8080 : port("SERVER_PORT", serverPort);
        String managementPortEnv = env.get("MANAGEMENT_SERVER_PORT");
        int managementPort = managementPortEnv == null || managementPortEnv.isBlank()
                ? (producerPort == 0 ? 0 : producerPort + 1000)
                : port("MANAGEMENT_SERVER_PORT", managementPortEnv);
        return new FleetOptions(
                jobs,
                demo,
                exitAfterDemo,
                timeout,
                directory,
                kafkaPort,
                producerPort,
                managementPort,
                workers,
                workerProperties,
                help,
                containers);
    }

    private static void property(String option, String keyValue, Map<String, String> into) {
        int eq = keyValue.indexOf('=');
        if (eq < 1) {
            throw new IllegalArgumentException(option + " needs KEY=VALUE: " + keyValue);
        }
        into.put(keyValue.substring(0, eq).strip(), keyValue.substring(eq + 1).strip());
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static int positive(String option, String value) {
        int n = integer(option, value);
        if (n < 1) {
            throw new IllegalArgumentException(option + " must be at least 1: " + value);
        }
        return n;
    }

    private static int port(String option, String value) {
        int n = integer(option, value);
        if (n < 0 || n > 65_535) {
            throw new IllegalArgumentException(option + " is not a port: " + value);
        }
        return n;
    }

    private static int integer(String option, String value) {
        try {
            return Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number: " + value);
        }
    }
}
