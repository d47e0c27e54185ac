package dev.jobfleet.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain-text table with aligned columns, two spaces apart, a header row in capitals, numbers
 * right-aligned. Cells are printed as given ({@code null} as empty); line breaks in a cell become
 * spaces so that one row stays one line.
 */
final class Table {
    private final List<String> headers = new ArrayList<>();
    private final List<Boolean> rightAligned = new ArrayList<>();
    private final List<String[]> rows = new ArrayList<>();

    Table left(String header) {
        headers.add(header);
        rightAligned.add(false);
        return this;
    }

    Table right(String header) {
        headers.add(header);
        rightAligned.add(true);
        return this;
    }

    Table row(Object... cells) {
        if (cells.length != headers.size()) {
            throw new IllegalArgumentException(cells.length + " cells for " + headers.size() + " columns");
        }
        String[] row = new String[cells.length];
        for (int i = 0; i < cells.length; i++) {
            row[i] = cells[i] == null ? "" : cells[i].toString().replaceAll("\\s*[\\r\\n]+\\s*", " ");
        }
        rows.add(row);
        return this;
    }

    int size() {
        return rows.size();
    }

    void print(PrintWriter out) {
        int[] widths = new int[headers.size()];
        for (int i = 0; i < widths.length; i++) {
            widths[i] = headers.get(i).length();
            for (String[] row : rows) {
                widths[i] = Math.max(widths[i], row[i].length());
            }
        }
        line(out, headers.toArray(String[]::new), widths);
        for (String[] row : rows) {
            line(out, row, widths);
        }
    }

    private void line(PrintWriter out, String[] cells, int[] widths) {
        StringBuilder line = new StringBuilder();
        for (int i = 0; i < cells.length; i++) {
            if (i > 0) {
                line.append("  ");
            }
            String pad = " ".repeat(widths[i] - cells[i].length());
            line.append(rightAligned.get(i) ? pad + cells[i] : cells[i] + pad);
        }
        out.println(line.toString().stripTrailing());
    }

    /** {@code text} cut to {@code max} characters, its first line only, with "..." when cut. */
    static String shorten(String text, int max) {
        if (text == null) {
            return "";
        }
        String first = text.strip().lines().findFirst().orElse("");
        return first.length() <= max ? first : first.substring(0, max - 3) + "...";
    }
}
