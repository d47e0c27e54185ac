package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The local fleet's wiring, whatever the apps hold today: embedded PostgreSQL, the broker child and
 * the producer and two workers in one JVM all start, each app answers its health check, and close()
 * leaves no process behind. The demo batch is left to {@code bin/fleet --exit-after-demo}.
 */
class LocalFleetIT {
    private final Path directory =
            Path.of("target", "it", "fleet-" + UUID.randomUUID()).toAbsolutePath();

    @AfterEach
    void tearDown() throws Exception {
        Directories.deleteRecursively(directory);
    }

    @Test
    void startsEverythingInOneJvmAndStopsItInOrder() throws Exception {
        int producerPort = threeFreePorts();
        FleetOptions options = FleetOptions.parse(
                new String[] {"--no-demo", "--kafka-port", "0", "--dir", directory.toString()},
                Map.of("SERVER_PORT", Integer.toString(producerPort)));
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        LocalFleet fleet = new LocalFleet(options, Map.of(), new PrintStream(printed, true, StandardCharsets.UTF_8));
        KafkaBroker broker;
        long t0 = System.nanoTime();
        try {
            fleet.start();
            System.out.printf("fleet started in %d ms:%n%s", (System.nanoTime() - t0) / 1_000_000, printed);
            HttpClient http = HttpClient.newHttpClient();
            for (int port = producerPort; port < producerPort + 3; port++) {
                HttpResponse<String> health = http.send(
                        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(health.statusCode())
                        .as("health of the app on %d", port)
                        .isEqualTo(200);
                assertThat(health.body()).contains("\"UP\"");
            }
            broker = fleet.broker();
            assertThat(broker.isRunning()).isTrue();
        } finally {
            fleet.close();
        }
        assertThat(broker.isRunning()).isFalse();
        assertThat(directory.resolve("postgres/data/postmaster.pid")).doesNotExist();
        assertThat(directory.resolve("logs/fleet.log")).isNotEmptyFile();
    }

    /** A free port whose next two ports are free too, for the producer and the two workers. */
    private static int threeFreePorts() {
        for (int attempt = 0; attempt < 50; attempt++) {
            int port = LoopbackPorts.free();
            if (port < 65_000 && LoopbackPorts.isFree(port + 1) && LoopbackPorts.isFree(port + 2)) {
                return port;
            }
        }
        throw new IllegalStateException("no three free ports in a row");
    }
}
