package dev.jobfleet.producer.testing;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Forwards TCP connections from a local port to another address: a network path that a test can
 * open after a client was already trying to reach it. Kafka clients bootstrap through it and then
 * talk to the broker's advertised address directly, so opening the forwarder is "Kafka is back".
 */
public final class TcpForwarder implements AutoCloseable {
    private final ServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final List<Socket> open = new CopyOnWriteArrayList<>();

    /** Starts listening on {@code 127.0.0.1:port} and forwarding to {@code target} ({@code host:port}). */
    public TcpForwarder(int port, String target) {
        String[] hostAndPort = target.split(",")[0].split(":");
        this.targetHost = hostAndPort[0];
        this.targetPort = Integer.parseInt(hostAndPort[1]);
        try {
            this.server = new ServerSocket(port, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + port, e);
        }
        Thread.ofVirtual().name("tcp-forwarder-" + port).start(this::accept);
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                Socket client = server.accept();
                Socket upstream = new Socket(targetHost, targetPort);
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pipe(client, upstream));
                Thread.ofVirtual().start(() -> pipe(upstream, client));
            } catch (IOException e) {
                if (!server.isClosed()) {
                    throw new UncheckedIOException(e);
                }
            }
        }
    }

    private static void pipe(Socket from, Socket to) {
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException closed) {
            // one side went away; closing both ends below ends the other direction too
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    @Override
    public void close() {
        closeQuietly(server);
        open.forEach(TcpForwarder::closeQuietly);
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception alreadyClosed) {
            // closing is all we wanted
        }
    }
}
