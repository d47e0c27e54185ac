package dev.jobfleet.producer.security;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Makes an API token and the settings that let the producer accept it. The token is printed once;
 * the producer keeps only its hash.
 *
 * <pre>
 * java -cp jobfleet-producer-exec.jar -Dloader.main=dev.jobfleet.producer.security.HashToken \
 *      org.springframework.boot.loader.launch.PropertiesLauncher --name ops --role operator
 * </pre>
 *
 * With {@code --stdin} the token is read from the first line of standard input instead of made.
 */
public final class HashToken {
    static final String USAGE = """
            Usage: HashToken [--name NAME] [--role submitter|viewer|operator] [--stdin]
              Prints a new API token and the environment variables that make the producer accept it
              with that role (default: --name ops --role operator). --stdin hashes the token read from
              standard input instead of making one. Keep the token secret; the hash may be stored anywhere.
            """;

    private HashToken() {}

    public static void main(String[] args) throws IOException {
        System.exit(run(
                args,
                System.out,
                System.err,
                new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))));
    }

    static int run(String[] args, PrintStream out, PrintStream err, BufferedReader in) throws IOException {
        String name = "ops";
        String role = "operator";
        boolean stdin = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--name" -> name = value(args, ++i);
                case "--role" -> role = value(args, ++i);
                case "--stdin" -> stdin = true;
                case "--help", "-h" -> {
                    out.print(USAGE);
                    return 0;
                }
                default -> {
                    err.println("unknown option: " + args[i]);
                    err.print(USAGE);
                    return 2;
                }
            }
        }
        if (name == null || !AccessProperties.NAME.matcher(name).matches()) {
            err.println("--name must be 1 to 63 lower-case letters and digits (it becomes part of an environment"
                    + " variable's name): " + name);
            return 2;
        }
        if (role == null || Role.of(role).isEmpty()) {
            err.println("--role must be one of " + Role.labels() + ": " + role);
            return 2;
        }
        String token = stdin ? in.readLine() : ApiTokens.generate();
        if (token == null || token.isBlank()) {
            err.println("--stdin: no token on standard input");
            return 2;
        }
        token = token.strip();
        String env = name.toUpperCase(Locale.ROOT);
        out.println("# the token (give it to the caller; it is not stored anywhere):");
        out.println("token: " + token);
        out.println("# the producer's settings (quote the hash in shells and compose files: it contains $):");
        out.println("JOBFLEET_SECURITY_TOKENS_" + env + "_ROLE="
                + Role.of(role).orElseThrow().label());
        out.println("JOBFLEET_SECURITY_TOKENS_" + env + "_HASH='" + ApiTokens.hash(token) + "'");
        return 0;
    }

    private static String value(String[] args, int i) {
        return i < args.length ? args[i] : null;
    }
}
