package dev.jobfleet.infra.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;

/**
 * A line chart written as a PNG with the JDK alone (Java2D, headless): time on x, one or more
 * series on y, optional shaded spans (a fault's window). For the reports the benchmark and the
 * chaos harness write into {@code docs/}.
 *
 * <pre>{@code
 * new LinePlot("Kafka-first drain, 2 workers", "seconds", "jobs/s")
 *         .series("jobs/s", xs, ys)
 *         .span(12.0, 20.5, "broker down")
 *         .write(Path.of("docs/img/drain.png"));
 * }</pre>
 */
public final class LinePlot {
    private static final Color[] PALETTE = {
        new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c), new Color(0xff7f0e), new Color(0x9467bd)
    };
    private static final int WIDTH = 900;
    private static final int HEIGHT = 420;
    private static final int LEFT = 80;
    private static final int RIGHT = 20;
    private static final int TOP = 40;
    private static final int BOTTOM = 60;

    private record Series(String name, double[] x, double[] y) {}

    private record Span(double from, double to, String label) {}

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private final List<Span> spans = new ArrayList<>();

    public LinePlot(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    /** Adds a series; {@code x} and {@code y} have the same length. */
    public LinePlot series(String name, double[] x, double[] y) {
        if (x.length != y.length) {
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values, " + y.length + " y");
        }
        series.add(new Series(name, x.clone(), y.clone()));
        return this;
    }

    /** Shades {@code from..to} on the x axis, labelled (a fault's window). */
    public LinePlot span(double from, double to, String label) {
        spans.add(new Span(from, to, label));
        return this;
    }

    /** Renders the chart and writes it as a PNG, creating the parent directories. */
    public void write(Path png) {
        System.setProperty("java.awt.headless", "true");
        BufferedImage image = new BufferedImage(WIDTH, HEIGHT, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            draw(g);
        } finally {
            g.dispose();
        }
        try {
            if (png.toAbsolutePath().getParent() != null) {
                Files.createDirectories(png.toAbsolutePath().getParent());
            }
            ImageIO.write(image, "png", png.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException("could not write " + png, e);
        }
    }

    private void draw(Graphics2D g) {
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, HEIGHT);
        double minX = Double.MAX_VALUE;
        double maxX = -Double.MAX_VALUE;
        double maxY = 0;
        for (Series s : series) {
            for (int i = 0; i < s.x.length; i++) {
                minX = Math.min(minX, s.x[i]);
                maxX = Math.max(maxX, s.x[i]);
                if (Double.isFinite(s.y[i])) {
                    maxY = Math.max(maxY, s.y[i]);
                }
            }
        }
        if (minX > maxX) {
            minX = 0;
            maxX = 1;
        }
        if (maxX == minX) {
            maxX = minX + 1;
        }
        maxY = niceCeiling(maxY == 0 ? 1 : maxY * 1.05);
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        double x0 = minX;
        double xr = maxX - minX;
        double yr = maxY;
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics fm = g.getFontMetrics();
        for (Span span : spans) {
            int a = LEFT + (int) Math.round((span.from - x0) / xr * plotW);
            int b = LEFT + (int) Math.round((span.to - x0) / xr * plotW);
            g.setColor(new Color(255, 220, 220));
            g.fillRect(Math.max(LEFT, a), TOP, Math.max(1, Math.min(LEFT + plotW, b) - Math.max(LEFT, a)), plotH);
            g.setColor(new Color(150, 40, 40));
            g.drawString(span.label, Math.max(LEFT, a) + 3, TOP + 14);
        }
        g.setColor(new Color(230, 230, 230));
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - (int) Math.round(i * plotH / 5.0);
            g.drawLine(LEFT, y, LEFT + plotW, y);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(LEFT, TOP, plotW, plotH);
        for (int i = 0; i <= 5; i++) {
            int y = TOP + plotH - (int) Math.round(i * plotH / 5.0);
            String label = format(yr * i / 5.0);
            g.drawString(label, LEFT - 6 - fm.stringWidth(label), y + fm.getAscent() / 2 - 1);
            int x = LEFT + (int) Math.round(i * plotW / 5.0);
            String xl = format(x0 + xr * i / 5.0);
            g.drawString(xl, x - fm.stringWidth(xl) / 2, TOP + plotH + fm.getHeight() + 2);
        }
        g.drawString(xLabel, LEFT + plotW / 2 - fm.stringWidth(xLabel) / 2, HEIGHT - 12);
        Graphics2D rotated = (Graphics2D) g.create();
        rotated.rotate(-Math.PI / 2);
        rotated.drawString(yLabel, -(TOP + plotH / 2 + fm.stringWidth(yLabel) / 2), 16);
        rotated.dispose();
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 14));
        g.drawString(title, LEFT, 24);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.setStroke(new BasicStroke(1.8f));
        int legendX = LEFT + plotW;
        for (int s = 0; s < series.size(); s++) {
            Series ser = series.get(s);
            g.setColor(PALETTE[s % PALETTE.length]);
            int px = -1;
            int py = -1;
            for (int i = 0; i < ser.x.length; i++) {
                if (!Double.isFinite(ser.y[i])) {
                    px = -1;
                    continue;
                }
                int x = LEFT + (int) Math.round((ser.x[i] - x0) / xr * plotW);
                int y = TOP + plotH - (int) Math.round(ser.y[i] / yr * plotH);
                if (px >= 0) {
                    g.drawLine(px, py, x, y);
                }
                px = x;
                py = y;
            }
            legendX -= fm.stringWidth(ser.name) + 30;
            g.fillRect(legendX, 16, 14, 4);
            g.drawString(ser.name, legendX + 18, 22);
        }
    }

    private static double niceCeiling(double v) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(v)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= v) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    private static String format(double v) {
        if (Math.abs(v) >= 1000) {
            return String.format(Locale.ROOT, "%,.0f", v);
        }
        return Math.abs(v) >= 10 || v == Math.rint(v)
                ? String.format(Locale.ROOT, "%.0f", v)
                : String.format(Locale.ROOT, "%.2f", v);
    }
}
