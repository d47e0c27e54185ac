package dev.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TableTest {

    @Test
    void columnsAreAlignedNumbersRightTextLeftAndLinesHaveNoTrailingSpaces() {
        StringWriter text = new StringWriter();
        new Table()
                .left("KEY")
                .right("MAX RUNNING")
                .left("NOTE")
                .row("tenant-7", 3, "")
                .row("t", 10000, "multi\nline")
                .print(new PrintWriter(text, true));

        assertThat(text.toString().lines().toList())
                .containsExactly(
                        "KEY       MAX RUNNING  NOTE", //
                        "tenant-7            3", //
                        "t               10000  multi line");
    }

    @Test
    void aRowMustFillEveryColumn() {
        assertThatThrownBy(() -> new Table().left("A").left("B").row("only one"))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shortenKeepsTheFirstLineAndMarksTheCut() {
        assertThat(Table.shorten("java.lang.IllegalStateException: boom\n\tat x.y(Z.java:1)", 80))
                .isEqualTo("java.lang.IllegalStateException: boom");
        assertThat(Table.shorten("abcdefghij", 8)).isEqualTo("abcde...");
        assertThat(Table.shorten(null, 8)).isEmpty();
    }
}
