package dev.jobfleet.infra.bench;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The command line of {@link FleetBenchmark}.
 *
 * @param jobs jobs per drain
 * @param workers worker counts, one fleet each (embedded fleet); a configured fleet is one entry
 * @param paths which drains: {@code kafka} (events straight to the topic), {@code batch} ({@code
 *     POST /jobs:batch}) and {@code single} (one {@code POST /jobs} per job)
 * @param steadyPercents open-loop arrival rates as percentages of the measured peak
 * @param steadySeconds how long each steady rate is offered
 * @param ceilingThreads threads of the JDBC ceiling loop
 * @param batch jobs per ceiling statement and per {@code POST /jobs:batch} request
 * @param httpConcurrency batch requests in flight
 * @param singleConcurrency single {@code POST /jobs} requests in flight
 * @param directory where the embedded fleets live
 * @param reportDirectory where {@code benchmarks.md} and the PNG plots are written
 * @param soakSeconds how long the soak offers its rate; 0 skips it
 * @param soakPercent the soak's rate, in % of the Kafka-first peak
 * @param soakRetentionSeconds the soak fleet's retention age for SUCCEEDED jobs
 * @param workerProperties {@code key=value} settings given to every worker of every embedded fleet
 */
record BenchOptions(
        int jobs,
        int warmup,
        List<Integer> workers,
        Set<String> paths,
        List<Integer> steadyPercents,
        int steadySeconds,
        int ceilingThreads,
        int batch,
        int httpConcurrency,
        int singleConcurrency,
        int soakSeconds,
        int soakPercent,
        int soakRetentionSeconds,
        Path directory,
        Path reportDirectory,
        Duration timeout,
        String jdbcUrl,
        String jdbcUser,
        String jdbcPassword,
        String bootstrapServers,
        URI producer,
        List<String> workerProperties,
        List<String> commandLine,
        boolean help) {

    static final String USAGE = """
            Usage: FleetBenchmark [options]
              drain: --jobs demo.noop jobs Kafka-first, through POST /jobs:batch and through single POST /jobs
              requests, to all SUCCEEDED, with each
              worker count; steady: open-loop fixed arrival rates at percentages of the measured peak, submit->start
              and submit->done percentiles (HdrHistogram); ceiling: the Kafka-first path's insert, claim and finish
              statements in a tight JDBC loop on the same server. Every run is checked exactly-once (one claim,
              one execution, one outcome per job). Writes benchmarks.md and PNG plots.

              --jobs N               jobs per drain (default 200000)
              --warmup N             jobs run first on each fleet, not counted (default 2000)
              --workers A,B          worker counts, a fresh embedded fleet each (default 1,2,4)
              --paths P,Q            drains: kafka, batch, single (default kafka,batch,single)
              --steady A,B           steady rates in % of the peak; none to skip (default 25,50,75)
              --steady-seconds N     how long each steady rate is offered (default 30)
              --ceiling-threads N    threads of the JDBC ceiling loop; 0 to skip (default 4)
              --soak-seconds N       soak: a fleet of its own (the last worker count) with retention on, at a fixed
                                     rate; sizes, heap, throughput and p99 sampled every 10 s; 0 to skip (default 600)
              --soak-percent N       the soak's rate in % of the Kafka-first peak (default 50)
              --soak-retention N     seconds after which the soak fleet deletes SUCCEEDED jobs (default 60, at least 60)
              --batch N              jobs per ceiling statement and per POST /jobs:batch request (default 200)
              --http-concurrency N   POST /jobs:batch requests in flight (default 4)
              --single-concurrency N single POST /jobs requests in flight (default 32)
              --dir PATH             the embedded fleets' data (default bench-fleet, in infra/target with -Pbench)
              --report-dir PATH      where benchmarks.md and the plots go (default ../../docs: the repository's
                                     docs/ when run with -Pbench)
              --timeout SECONDS      how long one drain may take (default 900)
              --worker-property K=V  a setting for every worker of every embedded fleet (repeatable), e.g.
                                     jobfleet.worker.concurrency=32, to compare configurations in one session
              a running fleet instead of the embedded one (its settings are printed, not changed):
              --jdbc-url URL --jdbc-user U --jdbc-password P --bootstrap-servers HOST:PORT
              --producer-url http://HOST:PORT   (the token from JOBFLEET_TOKEN)
              --help
            """;

    static BenchOptions parse(String[] args) {
        int jobs = 200_000;
        int warmup = 2_000;
        List<Integer> workers = List.of(1, 2, 4);
        Set<String> paths = Set.of("kafka", "batch", "single");
        List<Integer> steady = List.of(25, 50, 75);
        int steadySeconds = 30;
        int ceilingThreads = 4;
        int batch = 200;
        int httpConcurrency = 4;
        int singleConcurrency = 32;
        int soakSeconds = 600;
        int soakPercent = 50;
        int soakRetention = 60;
        Path directory = Path.of("bench-fleet");
        Path reportDirectory = Path.of("../../docs");
        Duration timeout = Duration.ofSeconds(900);
        String jdbcUrl = null;
        String jdbcUser = "postgres";
        String jdbcPassword = "";
        String bootstrapServers = null;
        URI producer = null;
        boolean help = false;
        List<String> workerProperties = new java.util.ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            switch (arg) {
                case "--jobs" -> jobs = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--warmup" -> warmup = LoadOptions.atLeast(0, arg, LoadOptions.value(args, ++i, arg));
                case "--workers" -> workers = numbers(arg, LoadOptions.value(args, ++i, arg), 1);
                case "--paths" -> {
                    paths = Set.copyOf(
                            Arrays.asList(LoadOptions.value(args, ++i, arg).split(",")));
                    if (paths.isEmpty() || !Set.of("kafka", "batch", "single").containsAll(paths)) {
                        throw new IllegalArgumentException("--paths takes kafka, batch and/or single: " + paths);
                    }
                }
                case "--steady" -> {
                    String v = LoadOptions.value(args, ++i, arg);
                    steady = v.equals("none") ? List.of() : numbers(arg, v, 1);
                }
                case "--steady-seconds" ->
                    steadySeconds = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--ceiling-threads" ->
                    ceilingThreads = LoadOptions.atLeast(0, arg, LoadOptions.value(args, ++i, arg));
                case "--batch" -> batch = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--http-concurrency" ->
                    httpConcurrency = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--single-concurrency" ->
                    singleConcurrency = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--soak-seconds" -> soakSeconds = LoadOptions.atLeast(0, arg, LoadOptions.value(args, ++i, arg));
                case "--soak-percent" -> soakPercent = LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg));
                case "--soak-retention" ->
                    soakRetention = LoadOptions.atLeast(60, arg, LoadOptions.value(args, ++i, arg));
                case "--dir" -> directory = Path.of(LoadOptions.value(args, ++i, arg));
                case "--report-dir" -> reportDirectory = Path.of(LoadOptions.value(args, ++i, arg));
                case "--timeout" ->
                    timeout = Duration.ofSeconds(LoadOptions.atLeast(1, arg, LoadOptions.value(args, ++i, arg)));
                case "--jdbc-url" -> jdbcUrl = LoadOptions.value(args, ++i, arg);
                case "--jdbc-user" -> jdbcUser = LoadOptions.value(args, ++i, arg);
                case "--jdbc-password" -> jdbcPassword = LoadOptions.value(args, ++i, arg);
                case "--bootstrap-servers" -> bootstrapServers = LoadOptions.value(args, ++i, arg);
                case "--producer-url" -> producer = URI.create(LoadOptions.value(args, ++i, arg));
                case "--worker-property" -> {
                    String v = LoadOptions.value(args, ++i, arg);
                    if (!v.matches("[A-Za-z0-9_.\\-\\[\\]]+=.*")) {
                        throw new IllegalArgumentException("--worker-property takes key=value: " + v);
                    }
                    workerProperties.add(v);
                }
                case "--help", "-h" -> help = true;
                default -> throw new IllegalArgumentException("unknown option: " + arg);
            }
        }
        if (jdbcUrl != null && (bootstrapServers == null || producer == null)) {
            throw new IllegalArgumentException(
                    "--jdbc-url (a running fleet) needs --bootstrap-servers and --producer-url");
        }
        if (jdbcUrl != null && workers.size() != 1) {
            throw new IllegalArgumentException("a running fleet has one worker count: --workers N names it");
        }
        return new BenchOptions(
                jobs,
                warmup,
                workers,
                paths,
                steady,
                steadySeconds,
                ceilingThreads,
                batch,
                httpConcurrency,
                singleConcurrency,
                soakSeconds,
                soakPercent,
                soakRetention,
                directory,
                reportDirectory,
                timeout,
                jdbcUrl,
                jdbcUser,
                jdbcPassword,
                bootstrapServers,
                producer,
                List.copyOf(workerProperties),
                List.of(args),
                help);
    }

    boolean startsFleet() {
        return jdbcUrl == null;
    }

    private static List<Integer> numbers(String option, String value, int min) {
        return Arrays.stream(value.split(","))
                .map(v -> LoadOptions.atLeast(min, option, v))
                .toList();
    }
}
