package dev.jobfleet.producer.security;

import java.util.EnumSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/**
 * Who is asking: an API token by its configured name ({@code token:ops}) or a JWT by its subject
 * ({@code jwt:alice}), and its roles. The id is what {@code jobs.submitted_by} records; the two
 * prefixes keep a token and a JWT subject of the same name apart.
 *
 * @param id {@code token:<name>} or {@code jwt:<subject>}
 * @param roles the caller's roles; empty for a JWT without a known role (it may then do nothing)
 */
public record Caller(String id, Set<Role> roles) {
    public Caller {
        roles = roles.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(roles));
    }

    public static Caller token(String name, Role role) {
        return new Caller("token:" + name, Set.of(role));
    }

    /** The caller of the current request; throws when the request is not authenticated as one. */
    public static Caller current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication != null && authentication.getPrincipal() instanceof Caller caller) {
            return caller;
        }
        throw new IllegalStateException("no jobfleet caller in the security context: " + authentication);
    }

    public boolean has(Role role) {
        return roles.contains(role);
    }

    /** Reads every job, limit and schedule: a viewer or an operator. */
    public boolean readsEverything() {
        return has(Role.VIEWER) || has(Role.OPERATOR);
    }

    /** The roles as their labels, sorted, e.g. {@code [operator]}. */
    public Set<String> labels() {
        return roles.stream().map(Role::label).sorted().collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    @Override
    public String toString() {
        return id + " " + labels();
    }
}
