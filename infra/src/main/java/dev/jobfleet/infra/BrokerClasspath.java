package dev.jobfleet.infra;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The classpath of the broker's child JVM: the Kafka jars, logback as the logging backend, and this
 * module's classes (for {@link BrokerLauncher}). In order of preference:
 *
 * <ol>
 *   <li>the system property {@value #PROPERTY}, verbatim;
 *   <li>the runtime classpath the build wrote to {@value #RESOURCE}, when all its jars exist (this
 *       works whoever launched us: exec:exec, exec:java, failsafe, an IDE);
 *   <li>{@code java.class.path}, for a packaged copy whose build paths are gone.
 * </ol>
 */
final class BrokerClasspath {
    static final String PROPERTY = "jobfleet.broker.classpath";
    static final String RESOURCE = "META-INF/jobfleet/broker.classpath";

    private BrokerClasspath() {}

    static String resolve() {
        String explicit = System.getProperty(PROPERTY);
        if (explicit != null && !explicit.isBlank()) {
            return explicit;
        }
        List<String> entries = new ArrayList<>(fromBuild().orElseGet(BrokerClasspath::fromJavaClassPath));
        String own = ownLocation();
        if (!entries.contains(own)) {
            entries.addFirst(own);
        }
        return String.join(File.pathSeparator, entries);
    }

    private static Optional<List<String>> fromBuild() {
        try (InputStream in = BrokerClasspath.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                return Optional.empty();
            }
            List<String> entries = split(new String(in.readAllBytes(), StandardCharsets.UTF_8).strip());
            boolean complete = !entries.isEmpty() && entries.stream().allMatch(e -> Files.exists(Path.of(e)));
            return complete ? Optional.of(entries) : Optional.empty();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    private static List<String> fromJavaClassPath() {
        return split(System.getProperty("java.class.path", ""));
    }

    private static List<String> split(String classpath) {
        return Arrays.stream(classpath.split(File.pathSeparator))
                .map(String::strip)
                .filter(s -> !s.isEmpty())
                .toList();
    }

    private static String ownLocation() {
        try {
            return Path.of(BrokerLauncher.class
                            .getProtectionDomain()
                            .getCodeSource()
                            .getLocation()
                            .toURI())
                    .toString();
        } catch (URISyntaxException e) {
            throw new IllegalStateException("cannot locate the classes of " + BrokerLauncher.class, e);
        }
    }
}
