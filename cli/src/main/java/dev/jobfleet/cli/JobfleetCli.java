package dev.jobfleet.cli;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.lang.reflect.Constructor;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * {@code jobfleet}, the operator's command line: the fleet's status, jobs, concurrency limits and
 * schedules through the producer's HTTP API. Tables for people by default, the API's JSON with
 * {@code --json}; the exit code says what happened ({@link ExitCodes}).
 *
 * <p>{@link #run} is the whole program with its environment passed in, so that tests run it in
 * process; {@link #main} only binds it to the real one.
 */
@Command(
        name = "jobfleet",
        mixinStandardHelpOptions = true,
        versionProvider = JobfleetCli.Version.class,
        description =
                "Operate a jobfleet: status, jobs, concurrency limits and schedules, over the producer's HTTP API.",
        subcommands = {StatusCommand.class, JobsCommand.class, LimitsCommand.class, SchedulesCommand.class},
        footerHeading = "%n",
        footer = {
            "Environment:",
            "  JOBFLEET_URL     the producer's base URL (default " + JobfleetCli.DEFAULT_URL + ")",
            "  JOBFLEET_TOKEN   the API token, sent as 'Authorization: Bearer <token>'",
            "",
            "Exit codes:",
            "  0  ok",
            "  1  usage: a wrong command line, or input the producer refused (400, 422)",
            "  2  not found: no such job, concurrency limit or schedule (404)",
            "  3  conflict: the state does not allow it, e.g. cancel a finished job (409)",
            "  4  auth: no token or a bad one (401), or a role that may not (403)",
            "  5  unavailable: the producer cannot be reached, timed out or failed (5xx)"
        })
public final class JobfleetCli implements Callable<Integer> {
    static final String DEFAULT_URL = "http://localhost:8080";

    @Option(
            names = "--url",
            scope = ScopeType.INHERIT,
            paramLabel = "URL",
            description = "The producer's base URL; default $JOBFLEET_URL, else " + DEFAULT_URL)
    String url;

    @Option(
            names = "--token",
            scope = ScopeType.INHERIT,
            paramLabel = "TOKEN",
            description = "API token; default $JOBFLEET_TOKEN (prefer the variable: options show in ps)")
    String token;

    @Option(
            names = "--json",
            scope = ScopeType.INHERIT,
            description = "Print the API's JSON instead of tables (errors: the problem document on stderr)")
    boolean json;

    @Option(
            names = "--timeout",
            scope = ScopeType.INHERIT,
            paramLabel = "SECONDS",
            defaultValue = "30",
            description = "How long to wait for the producer (default ${DEFAULT-VALUE})")
    int timeoutSeconds;

    @Spec
    CommandLine.Model.CommandSpec spec;

    private final Map<String, String> env;
    private final PrintWriter out;
    private final PrintWriter err;
    private Session session;

    JobfleetCli(Map<String, String> env, PrintWriter out, PrintWriter err) {
        this.env = env;
        this.out = out;
        this.err = err;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
        PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8), true);
        System.exit(run(args, System.getenv(), out, err));
    }

    /** Runs {@code args} as the command line would and answers the exit code. */
    public static int run(String[] args, Map<String, String> env, PrintWriter out, PrintWriter err) {
        JobfleetCli root = new JobfleetCli(env, out, err);
        CommandLine cli = new CommandLine(root, new Factory(root));
        cli.setOut(out);
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, ignored) -> {
            err.println("jobfleet: " + e.getMessage());
            CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
            err.println("Try '" + e.getCommandLine().getCommandSpec().qualifiedName() + " --help'.");
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((e, command, ignored) -> root.failed(e));
        try {
            return cli.execute(args);
        } finally {
            out.flush();
            err.flush();
        }
    }

    /** Without a command: the usage, and the usage exit code. */
    @Override
    public Integer call() {
        spec.commandLine().usage(err);
        return ExitCodes.USAGE;
    }

    /** The connection and output of this run, from the options and the environment. */
    Session session() {
        if (session == null) {
            session = new Session(client(), output());
        }
        return session;
    }

    private Output output() {
        return new Output(out, err, json);
    }

    /** Prints {@code e} for a person (or, with {@code --json}, as JSON) and answers its exit code. */
    int failed(Exception e) {
        Output output = output();
        return switch (e) {
            case ApiException api -> {
                output.problem(api);
                yield api.exitCode();
            }
            case UnreachableException unreachable -> {
                output.unreachable(unreachable);
                yield ExitCodes.UNAVAILABLE;
            }
            case UsageException usage -> {
                output.error(usage.getMessage());
                yield ExitCodes.USAGE;
            }
            case CommandLine.ParameterException usage -> {
                output.error(usage.getMessage());
                yield ExitCodes.USAGE;
            }
            default -> {
                output.error("unexpected error: " + e);
                e.printStackTrace(err);
                yield ExitCodes.UNAVAILABLE;
            }
        };
    }

    private ApiClient client() {
        String base = firstSet(url, env.get("JOBFLEET_URL"), DEFAULT_URL);
        URI uri;
        try {
            uri = new URI(base);
        } catch (URISyntaxException e) {
            throw new CommandLine.ParameterException(spec.commandLine(), "not a URL: " + base);
        }
        if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--url / JOBFLEET_URL must be an http(s) URL with a host: " + base);
        }
        if (timeoutSeconds < 1) {
            throw new CommandLine.ParameterException(
                    spec.commandLine(), "--timeout must be at least 1: " + timeoutSeconds);
        }
        return new ApiClient(uri, firstSet(token, env.get("JOBFLEET_TOKEN"), null), Duration.ofSeconds(timeoutSeconds));
    }

    private static String firstSet(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value.strip();
            }
        }
        return null;
    }

    /** Creates the commands with the root, so that they read the global options and the session from it. */
    private record Factory(JobfleetCli root) implements CommandLine.IFactory {
        @Override
        public <K> K create(Class<K> type) throws Exception {
            if (type == JobfleetCli.class) {
                return type.cast(root);
            }
            for (Constructor<?> constructor : type.getDeclaredConstructors()) {
                if (constructor.getParameterCount() == 1 && constructor.getParameterTypes()[0] == JobfleetCli.class) {
                    constructor.setAccessible(true);
                    return type.cast(constructor.newInstance(root));
                }
            }
            return CommandLine.defaultFactory().create(type);
        }
    }

    /** The version from the jar's manifest. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            String version = JobfleetCli.class.getPackage().getImplementationVersion();
            return new String[] {"jobfleet " + (version == null ? "(development build)" : version)};
        }
    }
}
