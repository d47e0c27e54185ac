package dev.jobfleet.producer.api;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;
import tools.jackson.databind.json.JsonMapper;

/**
 * Refuses request bodies over a limit before anyone reads them: a Content-Length over the limit
 * gets 413 at once, and a body without Content-Length fails with {@link BodyTooLargeException} as
 * soon as it grows past it. For single jobs the limit is {@code maxPayloadBytes + 64 KiB}, and the
 * exact limit is checked on the parsed payload ({@link SubmitRequestReader}); this only keeps huge
 * bodies out of memory.
 */
public class RequestSizeLimitFilter extends OncePerRequestFilter {
    /** Room for the other fields and the JSON around the payload. */
    public static final long SLACK_BYTES = 64 * 1024;

    private final long limit;
    private final String field;
    private final JsonMapper json;

    /**
     * @param limit the largest body accepted, in bytes
     * @param field the field named in the problem: the one that makes bodies large
     */
    public RequestSizeLimitFilter(long limit, String field, JsonMapper json) {
        this.limit = limit;
        this.field = field;
        this.json = json;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        long length = request.getContentLengthLong();
        if (length > limit) {
            ProblemException refused = BodyTooLargeException.tooLarge(
                    "The request body is " + length + " bytes; the limit is " + limit + ".", limit, field);
            ProblemDetail problem = refused.problem().detail(refused.getMessage(), refused.errors());
            problem.setInstance(Problem.instance(request.getRequestURI()));
            response.setStatus(problem.getStatus());
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            json.writeValue(response.getOutputStream(), problem);
            return;
        }
        chain.doFilter(new Limited(request, limit, field), response);
    }

    /** A request whose body stream fails once more than {@code limit} bytes were read. */
    private static final class Limited extends HttpServletRequestWrapper {
        private final long limit;
        private final String field;
        private ServletInputStream body;

        Limited(HttpServletRequest request, long limit, String field) {
            super(request);
            this.limit = limit;
            this.field = field;
        }

        @Override
        public ServletInputStream getInputStream() throws IOException {
            if (body == null) {
                body = new LimitedStream(super.getInputStream(), limit, field);
            }
            return body;
        }

        @Override
        public BufferedReader getReader() throws IOException {
            String encoding = getCharacterEncoding();
            Charset charset = encoding == null ? StandardCharsets.UTF_8 : Charset.forName(encoding);
            return new BufferedReader(new InputStreamReader(getInputStream(), charset));
        }
    }

    private static final class LimitedStream extends ServletInputStream {
        private final ServletInputStream in;
        private final long limit;
        private final String field;
        private long read;

        LimitedStream(ServletInputStream in, long limit, String field) {
            this.in = in;
            this.limit = limit;
            this.field = field;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                count(1);
            }
            return b;
        }

        @Override
        public int read(byte[] buffer, int offset, int length) throws IOException {
            int n = in.read(buffer, offset, length);
            if (n > 0) {
                count(n);
            }
            return n;
        }

        private void count(int n) throws BodyTooLargeException {
            read += n;
            if (read > limit) {
                throw new BodyTooLargeException(limit, field);
            }
        }

        @Override
        public boolean isFinished() {
            return in.isFinished();
        }

        @Override
        public boolean isReady() {
            return in.isReady();
        }

        @Override
        public void setReadListener(ReadListener listener) {
            in.setReadListener(listener);
        }
    }
}
