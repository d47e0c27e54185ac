package dev.jobfleet.infra;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;

/** Each app of the fleet reads the application.* files of its own jar, not the first one on the classpath. */
class FleetAppsTest {
    @TempDir
    Path dir;

    @Test
    void anAppReadsTheConfigOfItsOwnJar() throws IOException {
        Path jar = dir.resolve("app.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "application.properties", "fleet.probe=from-properties\nfleet.only-properties=yes\n");
            put(out, "application.yml", "fleet:\n  probe: from-yml\n");
        }

        String locations = FleetApps.ownConfigLocations(jar.toUri().toURL(), "App");
        assertThat(locations).contains("app.jar!/application.properties", "app.jar!/application.yml");

        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Empty.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run("--spring.config.location=" + locations)) {
            // the later location wins, as with Spring Boot's own order of files
            assertThat(context.getEnvironment().getProperty("fleet.probe")).isEqualTo("from-yml");
            assertThat(context.getEnvironment().getProperty("fleet.only-properties"))
                    .isEqualTo("yes");
        }
    }

    @Test
    void anAppWithoutConfigReadsNone() throws IOException {
        Path jar = dir.resolve("bare.jar");
        try (JarOutputStream out = new JarOutputStream(Files.newOutputStream(jar))) {
            put(out, "Nothing.txt", "");
        }
        String locations = FleetApps.ownConfigLocations(jar.toUri().toURL(), "Bare");
        try (ConfigurableApplicationContext context = new SpringApplicationBuilder(Empty.class)
                .web(WebApplicationType.NONE)
                .logStartupInfo(false)
                .run("--spring.config.location=" + locations)) {
            assertThat(context.getEnvironment().getProperty("fleet.probe")).isNull();
        }
    }

    private static void put(JarOutputStream out, String name, String content) throws IOException {
        out.putNextEntry(new JarEntry(name));
        OutputStream entry = out;
        entry.write(content.getBytes(StandardCharsets.UTF_8));
        out.closeEntry();
    }

    @Configuration(proxyBeanMethods = false)
    static class Empty {}
}
