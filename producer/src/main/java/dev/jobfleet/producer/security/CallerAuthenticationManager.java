package dev.jobfleet.producer.security;

import java.util.regex.Pattern;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;

/**
 * Turns a presented token into a {@link CallerAuthentication}: a JWT when JWTs are accepted and the
 * token has a JWT's shape, an API token otherwise. Tokens come as {@code Authorization: Bearer}
 * ({@link BearerTokenAuthenticationToken}) or from the dashboard's login form, where the token is
 * the password ({@link UsernamePasswordAuthenticationToken}).
 */
public class CallerAuthenticationManager implements AuthenticationManager {
    /** Three base64url parts: a JWS compact serialization. API tokens made by {@link ApiTokens} have no dot. */
    private static final Pattern JWT_SHAPE = Pattern.compile("[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]*");

    private final ApiTokenVerifier apiTokens;
    private final JwtAuthenticationProvider jwt;

    /** @param jwt null when no JWT issuer is configured */
    public CallerAuthenticationManager(ApiTokenVerifier apiTokens, JwtAuthenticationProvider jwt) {
        this.apiTokens = apiTokens;
        this.jwt = jwt;
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        String token = token(authentication);
        if (token == null || token.isBlank()) {
            throw new BadCredentialsException("no token");
        }
        if (jwt != null && JWT_SHAPE.matcher(token).matches()) {
            return jwt.authenticate(new BearerTokenAuthenticationToken(token));
        }
        return apiTokens
                .verify(token)
                .map(CallerAuthentication::new)
                .orElseThrow(() -> new InvalidBearerTokenException("the token matches no configured API token"));
    }

    private static String token(Authentication authentication) {
        if (authentication instanceof BearerTokenAuthenticationToken bearer) {
            return bearer.getToken();
        }
        if (authentication instanceof UsernamePasswordAuthenticationToken form
                && form.getCredentials() instanceof String password) {
            return password.strip();
        }
        return null;
    }
}
