package dev.jobfleet.infra.chaos;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP proxy on a loopback port in front of one upstream address, which the harness can {@link
 * #cut()} and {@link #heal()} to stand for a network partition between one app and its database:
 * while cut, no byte moves in either direction and new connections wait for their upstream, as
 * behind a lost link (nothing is refused or reset: the app learns it only from its own timeouts);
 * on heal, what was held moves on. Each connection is two pump threads.
 */
final class TcpProxy implements AutoCloseable {
    private final ServerSocket server;
    private final int upstreamPort;
    private final Object gate = new Object();
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicLong connections = new AtomicLong();
    private final AtomicLong bytesHeld = new AtomicLong();
    private volatile boolean cut;
    private volatile boolean closed;

    TcpProxy(int upstreamPort) {
        this.upstreamPort = upstreamPort;
        try {
            this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Thread.ofPlatform().name("proxy-accept-" + port()).daemon().start(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    void cut() {
        cut = true;
    }

    void heal() {
        synchronized (gate) {
            cut = false;
            gate.notifyAll();
        }
    }

    /** Connections accepted since the start. */
    long connections() {
        return connections.get();
    }

    /** Reads that had to wait for a heal: traffic that tried to cross the cut. */
    long blockedReads() {
        return bytesHeld.get();
    }

    private void accept() {
        while (!closed) {
            try {
                Socket client = server.accept();
                connections.incrementAndGet();
                sockets.add(client);
                Thread.ofPlatform().name("proxy-connect").daemon().start(() -> connect(client));
            } catch (IOException e) {
                if (!closed) {
                    System.err.println("chaos proxy: accept failed: " + e);
                }
            }
        }
    }

    private void connect(Socket client) {
        try {
            passGate();
            Socket upstream = new Socket();
            sockets.add(upstream);
            upstream.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort), 5_000);
            Thread.ofPlatform().name("proxy-up").daemon().start(() -> pump(client, upstream));
            Thread.ofPlatform().name("proxy-down").daemon().start(() -> pump(upstream, client));
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private void pump(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream();
                OutputStream out = to.getOutputStream()) {
            for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
                if (cut) {
                    bytesHeld.incrementAndGet();
                }
                passGate();
                out.write(buffer, 0, n);
                out.flush();
            }
        } catch (IOException closedEitherEnd) {
            // one side went away (the app's pool closed it, the server stopped): close the other
        } finally {
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Wait while the link is cut. */
    private void passGate() {
        synchronized (gate) {
            while (cut && !closed) {
                try {
                    gate.wait();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    @Override
    public void close() {
        closed = true;
        heal();
        closeQuietly(server);
        sockets.forEach(TcpProxy::closeQuietly);
    }

    private static void closeQuietly(java.io.Closeable c) {
        try {
            c.close();
        } catch (IOException alreadyGone) {
            // closing what the other side closed already
        }
    }
}
