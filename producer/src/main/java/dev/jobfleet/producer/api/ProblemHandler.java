package dev.jobfleet.producer.api;

import dev.jobfleet.model.FieldError;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.tomcat.util.http.InvalidParameterException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.TypeMismatchException;
import org.springframework.core.MethodParameter;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.method.ParameterValidationResult;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.ServletWebRequest;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.method.annotation.HandlerMethodValidationException;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;
import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.core.exc.StreamReadException;

/**
 * Every error the API answers is an RFC 9457 problem ({@code application/problem+json}) with a
 * {@code https://jobfleet.dev/problems/...} type, the request path as {@code instance}, and
 * {@code errors}: the fields at fault. Spring MVC's own errors (415, 405, ...) get the same shape.
 */
@RestControllerAdvice
public class ProblemHandler extends ResponseEntityExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(ProblemHandler.class);
    private static final URI ABOUT_BLANK = URI.create("about:blank");

    @ExceptionHandler(ProblemException.class)
    ResponseEntity<Object> problem(ProblemException e, WebRequest request) {
        ProblemDetail problem = e.problem().detail(e.getMessage(), e.errors());
        e.properties().forEach(problem::setProperty);
        return respond(problem, new HttpHeaders(), request);
    }

    @ExceptionHandler(DataAccessResourceFailureException.class)
    ResponseEntity<Object> databaseUnavailable(DataAccessResourceFailureException e, WebRequest request) {
        log.warn("Database unavailable: {}", e.getMostSpecificCause().toString());
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.RETRY_AFTER, "5");
        return respond(
                Problem.SERVICE_UNAVAILABLE.detail("The database is unavailable; try again shortly.", List.of()),
                headers,
                request);
    }

    /** Tomcat could not decode a query or form parameter (bytes that are not UTF-8): the client's mistake. */
    @ExceptionHandler(InvalidParameterException.class)
    ResponseEntity<Object> undecodableParameter(InvalidParameterException e, WebRequest request) {
        return respond(
                Problem.INVALID_REQUEST.detail(
                        "A query parameter could not be decoded as UTF-8; nothing was done.", List.of()),
                new HttpHeaders(),
                request);
    }

    @ExceptionHandler(Exception.class)
    ResponseEntity<Object> unexpected(Exception e, WebRequest request) {
        String incident = UUID.randomUUID().toString();
        log.error("Unexpected error answering {} (incident {})", path(request), incident, e);
        ProblemDetail problem = Problem.INTERNAL_ERROR.detail(
                "Something went wrong on our side (incident " + incident + ").", List.of());
        return respond(problem, new HttpHeaders(), request);
    }

    @Override
    protected ResponseEntity<Object> handleHttpMessageNotReadable(
            HttpMessageNotReadableException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        BodyTooLargeException tooLarge = cause(e, BodyTooLargeException.class);
        if (tooLarge != null) {
            return problem(tooLarge.problem(), request);
        }
        JacksonException json = cause(e, JacksonException.class);
        ProblemDetail problem;
        if (json instanceof StreamReadException) {
            problem = Problem.MALFORMED_JSON.detail(
                    "The body is not valid JSON" + where(json.getLocation()) + ": " + json.getOriginalMessage(),
                    List.of());
        } else if (json != null && !json.getPath().isEmpty()) {
            String field = json.getPathReference();
            problem = Problem.INVALID_REQUEST.detail(
                    "Cannot read " + field + ": " + json.getOriginalMessage(),
                    List.of(new FieldError(field, json.getOriginalMessage())));
        } else {
            problem = Problem.INVALID_REQUEST.detail(
                    "The body cannot be read: " + (json != null ? json.getOriginalMessage() : e.getMessage()),
                    List.of());
        }
        return respond(problem, headers, request);
    }

    @Override
    protected ResponseEntity<Object> handleTypeMismatch(
            TypeMismatchException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        String name = e.getPropertyName() == null ? "value" : e.getPropertyName();
        FieldError error =
                new FieldError(name, "must be " + expected(e.getRequiredType()) + ", not '" + e.getValue() + "'");
        return respond(Problem.INVALID_REQUEST.detail(error + ".", List.of(error)), headers, request);
    }

    @Override
    protected ResponseEntity<Object> handleHandlerMethodValidationException(
            HandlerMethodValidationException e, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        List<FieldError> errors = new ArrayList<>();
        for (ParameterValidationResult result : e.getParameterValidationResults()) {
            String name = parameterName(result.getMethodParameter());
            result.getResolvableErrors().forEach(error -> errors.add(new FieldError(name, error.getDefaultMessage())));
        }
        String detail = errors.stream().map(FieldError::toString).collect(Collectors.joining("; ")) + ".";
        return respond(Problem.INVALID_REQUEST.detail(detail, errors), headers, request);
    }

    /** Spring MVC's own problems (405, 406, 415, missing parameters...): the API's type URI and shape. */
    @Override
    protected ResponseEntity<Object> handleExceptionInternal(
            Exception e, Object body, HttpHeaders headers, HttpStatusCode status, WebRequest request) {
        ResponseEntity<Object> response = super.handleExceptionInternal(e, body, headers, status, request);
        if (response != null && response.getBody() instanceof ProblemDetail problem) {
            HttpStatus resolved = HttpStatus.resolve(problem.getStatus());
            if (resolved != null && (problem.getType() == null || ABOUT_BLANK.equals(problem.getType()))) {
                problem.setType(Problem.typeFor(resolved));
            }
            if (problem.getProperties() == null || !problem.getProperties().containsKey(Problem.ERRORS)) {
                problem.setProperty(Problem.ERRORS, List.of());
            }
            if (problem.getInstance() == null) {
                problem.setInstance(Problem.instance(path(request)));
            }
        }
        return response;
    }

    private ResponseEntity<Object> respond(ProblemDetail problem, HttpHeaders headers, WebRequest request) {
        problem.setInstance(Problem.instance(path(request)));
        return ResponseEntity.status(problem.getStatus()).headers(headers).body(problem);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "a valid value";
        }
        if (type.isEnum()) {
            return "one of "
                    + Arrays.stream(type.getEnumConstants())
                            .map(Object::toString)
                            .collect(Collectors.joining(", "));
        }
        if (type == UUID.class) {
            return "a UUID";
        }
        if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
            return "an integer";
        }
        return "a valid " + type.getSimpleName();
    }

    private static String parameterName(MethodParameter parameter) {
        RequestParam requestParam = parameter.getParameterAnnotation(RequestParam.class);
        if (requestParam != null && !requestParam.name().isEmpty()) {
            return requestParam.name();
        }
        PathVariable pathVariable = parameter.getParameterAnnotation(PathVariable.class);
        if (pathVariable != null && !pathVariable.name().isEmpty()) {
            return pathVariable.name();
        }
        String name = parameter.getParameterName();
        return name == null ? "arg" + parameter.getParameterIndex() : name;
    }

    private static String where(TokenStreamLocation location) {
        if (location == null || location.getLineNr() < 0) {
            return "";
        }
        return " at line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    private static <T extends Throwable> T cause(Throwable e, Class<T> type) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (type.isInstance(t)) {
                return type.cast(t);
            }
        }
        return null;
    }

    private static String path(WebRequest request) {
        return request instanceof ServletWebRequest servlet
                ? servlet.getRequest().getRequestURI()
                : request.getDescription(false).replaceFirst("^uri=", "");
    }
}
