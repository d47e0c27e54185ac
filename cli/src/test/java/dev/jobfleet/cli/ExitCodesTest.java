package dev.jobfleet.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ExitCodesTest {

    @ParameterizedTest(name = "HTTP {0} -> exit {1}")
    @CsvSource({
        "400, 1", "413, 1", "415, 1", "422, 1", "404, 2", "409, 3", "412, 3", "428, 3", "401, 4", "403, 4", "500, 5",
        "502, 5", "503, 5", "405, 5"
    })
    void everyErrorStatusHasItsExitCode(int status, int exit) {
        assertThat(ExitCodes.forStatus(status)).isEqualTo(exit);
    }
}
