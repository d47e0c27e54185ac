package dev.jobfleet.producer.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * The contract other tools configure against (manifests, compose, bin/fleet): tokens by name from
 * environment variables, {@code JOBFLEET_SECURITY_TOKENS_<NAME>_ROLE} and {@code _HASH}.
 */
class AccessPropertiesBindingTest {

    @Test
    void tokensAndJwtSettingsBindFromEnvironmentVariables() {
        StandardEnvironment environment = new StandardEnvironment();
        environment
                .getPropertySources()
                .replace(
                        StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                        new SystemEnvironmentPropertySource(
                                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
                                Map.of(
                                        "JOBFLEET_SECURITY_TOKENS_OPS_ROLE", "operator",
                                        "JOBFLEET_SECURITY_TOKENS_OPS_HASH", "{bcrypt}$2a$10$abcdefghijklmnopqrstuv",
                                        "JOBFLEET_SECURITY_TOKENS_CI2_ROLE", "submitter",
                                        "JOBFLEET_SECURITY_TOKENS_CI2_HASH", "{pbkdf2}0123abcd",
                                        "JOBFLEET_SECURITY_JWT_ROLES_CLAIM", "groups")));

        AccessProperties properties = Binder.get(environment)
                .bind("jobfleet.security", AccessProperties.class)
                .get();

        assertThat(properties.tokens()).containsOnlyKeys("ops", "ci2");
        assertThat(properties.tokens().get("ops").parsedRole()).isEqualTo(Role.OPERATOR);
        assertThat(properties.tokens().get("ops").hash()).isEqualTo("{bcrypt}$2a$10$abcdefghijklmnopqrstuv");
        assertThat(properties.tokens().get("ci2").parsedRole()).isEqualTo(Role.SUBMITTER);
        assertThat(properties.jwt().rolesClaim()).isEqualTo("groups");
        assertThat(properties.tokenCacheSize()).isEqualTo(10_000);
    }
}
