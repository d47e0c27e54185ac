package dev.jobfleet.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The README's state diagram is generated from {@link JobState}; this keeps it from going stale. */
class ReadmeStateDiagramTest {

    @Test
    void theReadmeShowsTheTransitionTableOfJobState() throws IOException {
        Path readme = Path.of("..", "README.md");
        String text = Files.readString(readme);
        String block = "```mermaid\n" + JobState.mermaid() + "```";
        assertThat(text)
                .as("README.md must contain JobState.mermaid() verbatim; regenerate it after changing the table")
                .contains(block);
    }
}
