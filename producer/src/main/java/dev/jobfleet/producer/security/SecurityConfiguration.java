package dev.jobfleet.producer.security;

import java.time.Clock;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.security.autoconfigure.actuate.web.servlet.EndpointRequest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpMethod;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configurers.AbstractHttpConfigurer;
import org.springframework.security.config.annotation.web.configurers.AuthorizeHttpRequestsConfigurer;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.firewall.RequestRejectedHandler;
import org.springframework.security.web.savedrequest.NullRequestCache;
import tools.jackson.databind.json.JsonMapper;

/**
 * Who may do what on the producer. Every request but the probes, the login page and the API's
 * description needs a caller: {@code Authorization: Bearer <token>} (an API token, or a JWT when an
 * issuer is configured), or the session a person gets by pasting a token into {@code /login} (then
 * state-changing requests need the session's CSRF token). The roles' rules, in one place:
 *
 * <table>
 *   <caption>rules</caption>
 *   <tr><th>request</th><th>submitter</th><th>viewer</th><th>operator</th></tr>
 *   <tr><td>POST /jobs, /jobs:batch, /batches</td><td>yes</td><td>-</td><td>yes</td></tr>
 *   <tr><td>GET /jobs, /jobs/{id}, /jobs/{id}/logs, /batches/{id}</td><td>its own</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>POST /jobs/{id}/cancel</td><td>its own</td><td>-</td><td>yes</td></tr>
 *   <tr><td>GET /concurrency-limits/**, /schedules/**, /fleet/**</td><td>-</td><td>yes</td><td>yes</td></tr>
 *   <tr><td>anything else (retry, PATCH, limits and schedules PUT/DELETE)</td><td>-</td><td>-</td><td>yes</td></tr>
 * </table>
 *
 * "Its own" is checked by {@link dev.jobfleet.producer.api.JobAccess}: another submitter's job
 * answers 404, as if it did not exist. Actuator endpoints live on the management port only
 * (health and info for probes, metrics and Prometheus for the scraper), open there; {@code /livez}
 * and {@code /readyz} answer on the app port too.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(AccessProperties.class)
public class SecurityConfiguration {
    private static final Logger log = LoggerFactory.getLogger(SecurityConfiguration.class);
    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS", "TRACE");

    @Bean
    ApiTokenVerifier apiTokenVerifier(AccessProperties properties, ObjectProvider<Clock> clock) {
        return new ApiTokenVerifier(properties, clock.getIfAvailable(Clock::systemUTC));
    }

    @Bean
    CallerAuthenticationManager callerAuthenticationManager(
            ApiTokenVerifier apiTokens, ObjectProvider<JwtDecoder> jwtDecoder, AccessProperties properties) {
        JwtDecoder decoder = jwtDecoder.getIfAvailable();
        JwtAuthenticationProvider jwt = null;
        if (decoder != null) {
            jwt = new JwtAuthenticationProvider(decoder);
            jwt.setJwtAuthenticationConverter(new JwtCallers(properties.jwt()));
        }
        if (!apiTokens.hasTokens() && jwt == null) {
            log.warn("No API token (jobfleet.security.tokens.<name>.role/.hash) and no JWT issuer"
                    + " (spring.security.oauth2.resourceserver.jwt.issuer-uri) is configured: every API request"
                    + " will be refused with 401. docs/security.md shows how to make a token.");
        } else {
            log.info(
                    "Access: {} API token(s){}",
                    properties.tokens().size(),
                    jwt == null
                            ? ""
                            : ", and JWTs (roles from claim '"
                                    + properties.jwt().rolesClaim() + "')");
        }
        return new CallerAuthenticationManager(apiTokens, jwt);
    }

    @Bean
    SecurityFilterChain jobfleetSecurity(HttpSecurity http, CallerAuthenticationManager manager, JsonMapper json)
            throws Exception {
        ProblemResponses problems = new ProblemResponses(json);
        http.authenticationManager(manager)
                .authorizeHttpRequests(SecurityConfiguration::rules)
                .oauth2ResourceServer(bearer -> bearer.authenticationManagerResolver(request -> manager)
                        .authenticationEntryPoint(problems)
                        .accessDeniedHandler(problems))
                .formLogin(form -> form.loginPage("/login")
                        .usernameParameter("name")
                        .passwordParameter("token")
                        .defaultSuccessUrl("/fleet", true)
                        .failureUrl("/login?error")
                        .permitAll())
                .logout(logout -> logout.logoutUrl("/logout").logoutSuccessUrl("/login?logout"))
                .csrf(csrf -> csrf.requireCsrfProtectionMatcher(SecurityConfiguration::browserWrite))
                .requestCache(cache -> cache.requestCache(new NullRequestCache()))
                .httpBasic(AbstractHttpConfigurer::disable)
                .exceptionHandling(
                        errors -> errors.authenticationEntryPoint(problems).accessDeniedHandler(problems))
                .headers(headers -> headers.contentSecurityPolicy(csp ->
                        csp.policyDirectives("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline';"
                                + " img-src 'self' data:; frame-ancestors 'none'; form-action 'self'")));
        return http.build();
    }

    private static void rules(
            AuthorizeHttpRequestsConfigurer<HttpSecurity>.AuthorizationManagerRequestMatcherRegistry rules) {
        String submitter = Role.SUBMITTER.name();
        String viewer = Role.VIEWER.name();
        String operator = Role.OPERATOR.name();
        rules.requestMatchers(EndpointRequest.toAnyEndpoint())
                .permitAll()
                .requestMatchers("/livez", "/readyz", "/error", "/login", "/favicon.ico")
                .permitAll()
                .requestMatchers(
                        HttpMethod.GET, "/v3/api-docs", "/v3/api-docs/**", "/swagger-ui.html", "/swagger-ui/**")
                .permitAll()
                .requestMatchers(HttpMethod.GET, "/me")
                .authenticated()
                .requestMatchers(HttpMethod.POST, "/jobs", "/jobs:batch", "/batches")
                .hasAnyRole(submitter, operator)
                .requestMatchers(HttpMethod.GET, "/jobs", "/jobs/*", "/jobs/*/logs", "/batches/*")
                .hasAnyRole(submitter, viewer, operator)
                .requestMatchers(HttpMethod.POST, "/jobs/*/cancel")
                .hasAnyRole(submitter, operator)
                .requestMatchers(
                        HttpMethod.GET,
                        "/concurrency-limits",
                        "/concurrency-limits/**",
                        "/schedules",
                        "/schedules/**",
                        "/fleet",
                        "/fleet/**")
                .hasAnyRole(viewer, operator)
                .anyRequest()
                .hasRole(operator);
    }

    /**
     * CSRF protects what a browser session can be tricked into: a state-changing request without a
     * bearer token (a browser never adds one on its own) from a client that has a session, and the
     * login form. Without a session and a token the request is simply unauthenticated (401).
     */
    private static boolean browserWrite(jakarta.servlet.http.HttpServletRequest request) {
        if (SAFE_METHODS.contains(request.getMethod()) || request.getHeader(ProblemResponses.AUTHORIZATION) != null) {
            return false;
        }
        return request.getSession(false) != null || "/login".equals(request.getServletPath());
    }

    /** A request the firewall refuses (an encoded slash, a NUL in the path...): a 400 problem, not an empty page. */
    @Bean
    RequestRejectedHandler requestRejectedHandler(JsonMapper json) {
        return new RejectedRequests(json);
    }
}
