package dev.jobfleet.producer.testing;

import dev.jobfleet.producer.security.ApiTokens;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.test.context.ContextConfigurationAttributes;
import org.springframework.test.context.ContextCustomizer;
import org.springframework.test.context.ContextCustomizerFactory;
import org.springframework.test.context.MergedContextConfiguration;

/**
 * The tests' API tokens, made the way {@code bin/fleet} makes its own: random tokens, of which the
 * app under test is given only the hashes ({@code jobfleet.security.tokens.<name>.role/.hash}).
 * Every Spring test context of this module gets them (registered in {@code META-INF/spring.factories});
 * a test's own properties go over them. {@link HttpApi} sends {@link #OPERATOR} unless told otherwise.
 */
public final class TestTokens {
    /** May do everything. */
    public static final String OPERATOR = ApiTokens.generate();

    /** Reads everything, changes nothing. */
    public static final String VIEWER = ApiTokens.generate();

    /** Submits, and reads and cancels its own jobs: caller {@code token:alice}. */
    public static final String SUBMITTER = ApiTokens.generate();

    /** Another submitter, who must not see alice's jobs: caller {@code token:bob}. */
    public static final String OTHER_SUBMITTER = ApiTokens.generate();

    /** Names as the producer knows them; the caller ids are {@code token:<name>}. */
    public static final String OPERATOR_NAME = "testoperator";

    public static final String VIEWER_NAME = "testviewer";
    public static final String SUBMITTER_NAME = "alice";
    public static final String OTHER_SUBMITTER_NAME = "bob";

    private static final Map<String, Object> PROPERTIES = properties();

    private TestTokens() {}

    /** The caller id a token's jobs are recorded with. */
    public static String callerId(String name) {
        return "token:" + name;
    }

    private static Map<String, Object> properties() {
        Map<String, Object> properties = new LinkedHashMap<>();
        add(properties, OPERATOR_NAME, "operator", OPERATOR);
        add(properties, VIEWER_NAME, "viewer", VIEWER);
        add(properties, SUBMITTER_NAME, "submitter", SUBMITTER);
        add(properties, OTHER_SUBMITTER_NAME, "submitter", OTHER_SUBMITTER);
        return Map.copyOf(properties);
    }

    private static void add(Map<String, Object> properties, String name, String role, String token) {
        properties.put("jobfleet.security.tokens." + name + ".role", role);
        properties.put("jobfleet.security.tokens." + name + ".hash", ApiTokens.hash(token));
    }

    /** Gives every test context the tokens. */
    public static final class CustomizerFactory implements ContextCustomizerFactory {
        @Override
        public ContextCustomizer createContextCustomizer(
                Class<?> testClass, List<ContextConfigurationAttributes> configAttributes) {
            return new Customizer();
        }
    }

    private static final class Customizer implements ContextCustomizer {
        @Override
        public void customizeContext(ConfigurableApplicationContext context, MergedContextConfiguration config) {
            context.getEnvironment()
                    .getPropertySources()
                    .addLast(new MapPropertySource("jobfleet-test-tokens", PROPERTIES));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Customizer;
        }

        @Override
        public int hashCode() {
            return Customizer.class.hashCode();
        }
    }
}
