package dev.jobfleet.producer.security;

import java.util.Collection;
import java.util.EnumSet;
import java.util.Set;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;

/**
 * A verified JWT as a {@link Caller}: {@code jwt:<principal claim>}, with the roles named in the
 * roles claim (a list, or one string separated by spaces or commas; {@code ROLE_} prefixes and case
 * are ignored, unknown names dropped). A JWT without a known role authenticates but may do nothing.
 */
final class JwtCallers implements Converter<Jwt, AbstractAuthenticationToken> {
    private final AccessProperties.Jwt settings;

    JwtCallers(AccessProperties.Jwt settings) {
        this.settings = settings;
    }

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        Object name = jwt.getClaims().get(settings.principalClaim());
        if (name == null || name.toString().isBlank()) {
            throw new InvalidBearerTokenException("the JWT has no '" + settings.principalClaim() + "' claim");
        }
        String id = "jwt:" + name;
        if (id.length() > 255) {
            throw new InvalidBearerTokenException("the JWT's '" + settings.principalClaim() + "' claim is too long");
        }
        return new CallerAuthentication(new Caller(id, roles(jwt.getClaims().get(settings.rolesClaim()))));
    }

    static Set<Role> roles(Object claim) {
        Set<Role> roles = EnumSet.noneOf(Role.class);
        if (claim instanceof Collection<?> list) {
            list.forEach(item -> add(roles, String.valueOf(item)));
        } else if (claim instanceof String text) {
            for (String item : text.split("[\\s,]+")) {
                add(roles, item);
            }
        }
        return roles;
    }

    private static void add(Set<Role> roles, String label) {
        String name = label.strip();
        if (name.regionMatches(true, 0, "ROLE_", 0, 5)) {
            name = name.substring(5);
        }
        Role.of(name).ifPresent(roles::add);
    }
}
