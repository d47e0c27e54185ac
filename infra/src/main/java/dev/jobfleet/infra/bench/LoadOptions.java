package dev.jobfleet.infra.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The command line of {@link LoadGenerator}.
 *
 * @param via how jobs enter: {@link Via#KAFKA} straight to the topic (the worker path), {@link
 *     Via#HTTP} through {@code POST /jobs} (the whole path: API, outbox, relay, Kafka, worker)
 * @param jobs how many jobs to submit
 * @param warmup jobs submitted and awaited first, not counted (JIT, pools, consumer fetch sessions)
 * @param concurrency HTTP requests in flight at once (Kafka sends are asynchronous: not used)
 * @param rate jobs per second to submit at most; 0 = as fast as they go
 * @param type the job type ({@code demo.noop}, {@code demo.sleep}, ...)
 * @param payload the job payload, JSON
 * @param workers workers of the fleet this tool starts
 * @param handlerConcurrency {@code jobfleet.worker.concurrency} of those workers; 0 = their default
 * @param directory where the fleet this tool starts keeps its data and logs
 * @param timeout how long to wait for every job to end
 * @param jdbcUrl a running fleet's database; null = start a fleet in this JVM
 * @param bootstrapServers a running fleet's Kafka
 * @param producer a running fleet's producer, for {@code --via http}
 */
record LoadOptions(
        Via via,
        int jobs,
        int warmup,
        int concurrency,
        int rate,
        String type,
        String payload,
        int workers,
        int handlerConcurrency,
        Path directory,
        Duration timeout,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String bootstrapServers,
        URI producer,
        boolean help) {

    /** How jobs enter the fleet. */
    enum Via {
        KAFKA,
        HTTP
    }

    static final String USAGE = """
            Usage: LoadGenerator [options]
              Submits jobs to a jobfleet and reports jobs/s end to end (first submit to last job ended),
              claim/run/end-to-end latency percentiles from the jobs table and the overlap count (must be 0).
              Without --jdbc-url it first starts a fleet in this JVM like LocalFleet: embedded PostgreSQL, a
              Kafka broker child process, the producer and --workers workers.

              --via kafka|http         kafka: job events straight to the topic, as a Kafka-first producer
                                       (measures the worker path); http: POST /jobs (the whole path)
                                       (default kafka)
              --jobs N                 jobs to submit (default 20000)
              --warmup N               jobs submitted and awaited first, not counted (default 1000)
              --concurrency N          HTTP requests in flight (default 16)
              --rate N                 at most N jobs/s; 0 = unthrottled (default 0)
              --type T                 job type (default demo.noop)
              --payload JSON           job payload (default {})
              --workers N              workers of the fleet started here (default 2)
              --handler-concurrency N  handlers per worker (jobfleet.worker.concurrency; default: the worker's)
              --dir PATH               data and logs of the fleet started here (default bench, in infra/target
                                       with -Pbench; its postgres/ and kafka/ are wiped at each start)
              --timeout SECONDS        how long the jobs may take to end (default 600)
              a running fleet instead:
              --jdbc-url URL --jdbc-user U --jdbc-password P --bootstrap-servers HOST:PORT
              --producer-url http://HOST:PORT   (for --via http; the token from JOBFLEET_TOKEN)
              --help
            """;

    static LoadOptions parse(String[] args) {
        Via via = Via.KAFKA;
        int jobs = 20_000;
        int warmup = 1_000;
        int concurrency = 16;
        int rate = 0;
        String type = "demo.noop";
        String payload = "{}";
        int workers = 2;
        int handlerConcurrency = 0;
        Path directory = Path.of("bench");
        Duration timeout = Duration.ofSeconds(600);
        String jdbcUrl = null;
        String jdbcUser = "postgres";
        String jdbcPassword = "";
        String bootstrapServers = null;
        URI producer = null;
        boolean help = false;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--via" -> via = via(value(args, ++i, arg));
                case "--jobs" -> jobs = atLeast(1, arg, value(args, ++i, arg));
                case "--warmup" -> warmup = atLeast(0, arg, value(args, ++i, arg));
                case "--concurrency" -> concurrency = atLeast(1, arg, value(args, ++i, arg));
                case "--rate" -> rate = atLeast(0, arg, value(args, ++i, arg));
                case "--type" -> type = value(args, ++i, arg);
                case "--payload" -> payload = value(args, ++i, arg);
                case "--workers" -> workers = atLeast(1, arg, value(args, ++i, arg));
                case "--handler-concurrency" -> handlerConcurrency = atLeast(1, arg, value(args, ++i, arg));
                case "--dir" -> directory = Path.of(value(args, ++i, arg));
                case "--timeout" -> timeout = Duration.ofSeconds(atLeast(1, arg, value(args, ++i, arg)));
                case "--jdbc-url" -> jdbcUrl = value(args, ++i, arg);
                case "--jdbc-user" -> jdbcUser = value(args, ++i, arg);
                case "--jdbc-password" -> jdbcPassword = value(args, ++i, arg);
                case "--bootstrap-servers" -> bootstrapServers = value(args, ++i, arg);
                case "--producer-url" -> producer = URI.create(value(args, ++i, arg));
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        if (jdbcUrl != null && bootstrapServers == null && via == Via.KAFKA) {
            throw new IllegalArgumentException(
                    "--jdbc-url (a running fleet) with --via kafka needs --bootstrap-servers");
        }
        if (jdbcUrl != null && producer == null && via == Via.HTTP) {
            throw new IllegalArgumentException("--jdbc-url (a running fleet) with --via http needs --producer-url");
        }
        return new LoadOptions(
                via,
                jobs,
                warmup,
                concurrency,
                rate,
                type,
                payload,
                workers,
                handlerConcurrency,
                directory,
                timeout,
                jdbcUrl,
                jdbcUser,
                jdbcPassword,
                bootstrapServers,
                producer,
                help);
    }

    /** Whether this tool starts the fleet itself. */
    boolean startsFleet() {
        return jdbcUrl == null;
    }

    private static Via via(String value) {
        return switch (value) {
            case "kafka" -> Via.KAFKA;
            case "http" -> Via.HTTP;
            default -> throw new IllegalArgumentException("--via must be kafka or http: " + value);
        };
    }

    static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    static int atLeast(int min, String option, String value) {
        int n;
        try {
            n = Integer.parseInt(value.strip());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a number: " + value);
        }
        if (n < min) {
            throw new IllegalArgumentException(option + " must be at least " + min + ": " + value);
        }
        return n;
    }
}
