package dev.jobfleet.producer.fleet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.jobfleet.model.JobState;
import dev.jobfleet.producer.testing.ApiIntegrationTest;
import dev.jobfleet.producer.testing.HttpApi;
import dev.jobfleet.producer.testing.Runs;
import dev.jobfleet.producer.testing.TestTokens;
import dev.jobfleet.store.JobRepository;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import tools.jackson.databind.JsonNode;

/**
 * The dashboard in a real headless browser (Debian's {@code chromium} with its {@code
 * chromedriver}, which {@code .ci/run} installs): the page is behind the login page; after pasting
 * a token the live numbers equal what {@code GET /fleet/status} says; an operator re-drives a DEAD
 * job from its drill-down; a viewer sees the same job without the button. Without the browser the
 * test is skipped, except under CI ({@code CI=true}), where it fails. A screenshot of the
 * operator's view goes to {@code target/dashboard.png}.
 */
@ApiIntegrationTest
class DashboardBrowserIT {
    private static final Path CHROMIUM = Path.of(System.getProperty("jobfleet.test.chromium", "/usr/bin/chromium"));
    private static final Path CHROMEDRIVER =
            Path.of(System.getProperty("jobfleet.test.chromedriver", "/usr/bin/chromedriver"));
    private static final Duration WAIT = Duration.ofSeconds(20);

    @LocalServerPort
    int port;

    @Autowired
    JobRepository repository;

    private final List<WebDriver> browsers = new ArrayList<>();

    @BeforeEach
    void needsABrowser() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "true".equals(System.getenv("CI"))) {
            throw new IllegalStateException(CHROMIUM + " and " + CHROMEDRIVER + " are required under CI: .ci/run"
                    + " installs Debian's chromium and chromium-driver");
        }
        Assumptions.assumeTrue(
                present, "no " + CHROMIUM + " / " + CHROMEDRIVER + ": apt-get install chromium chromium-driver");
    }

    @AfterEach
    void closeBrowsers() {
        browsers.forEach(WebDriver::quit);
    }

    @Test
    void thePageIsBehindLoginShowsTheApisNumbersAndOnlyAnOperatorReDrives() throws IOException {
        String type = "browser.dead-" + UUID.randomUUID().toString().substring(0, 8);
        HttpApi api = new HttpApi(port);
        for (int i = 0; i < 3; i++) {
            assertThat(api.post("/jobs", "{\"type\": \"browser.waiting\", \"payload\": {\"n\": " + i + "}}")
                            .status())
                    .isEqualTo(201);
        }
        UUID dead = api.post("/jobs", "{\"type\": \"" + type + "\", \"maxAttempts\": 1}")
                .id();
        Runs.kill(repository, dead, type, "the printer is on fire");

        // a viewer: redirected to the login page, a wrong token refused, the right one lets in
        WebDriver viewer = browser();
        viewer.get(base() + "/fleet");
        assertThat(viewer.getCurrentUrl()).endsWith("/login");
        signIn(viewer, "jf_not-a-real-token");
        await().atMost(WAIT)
                .ignoreExceptions()
                .untilAsserted(() -> assertThat(
                                viewer.findElement(By.id("login-error")).getText())
                        .contains("not valid"));
        signIn(viewer, TestTokens.VIEWER);
        // the click returns before the browser has followed the redirect: wait for it (CI once read the
        // URL of the page before, /login?error)
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(viewer.getCurrentUrl()).endsWith("/fleet"));
        await().atMost(WAIT).until(() -> loaded(viewer) >= 1);
        assertTheNumbersAreTheApis(viewer, api.as(TestTokens.VIEWER));
        openJob(viewer, dead);
        assertThat(text(viewer, "detail-state")).isEqualTo("DEAD");
        assertThat(text(viewer, "detail-errors")).contains("the printer is on fire");
        assertThat(viewer.findElements(By.id("redrive")))
                .as("a viewer gets no re-drive button")
                .isEmpty();
        assertThat(viewer.findElements(By.id("cancel"))).isEmpty();

        // an operator re-drives it from the drill-down
        WebDriver operator = browser();
        operator.get(base() + "/fleet");
        signIn(operator, TestTokens.OPERATOR);
        await().atMost(WAIT).until(() -> loaded(operator) >= 2);
        assertTheNumbersAreTheApis(operator, api);
        openJob(operator, dead);
        assertThat(text(operator, "detail-history")).contains("RUNNING", "DEAD");
        screenshot(operator);
        await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> {
                    operator.findElement(By.id("redrive")).click();
                    return true;
                });

        await().atMost(WAIT)
                .until(() -> api.get("/jobs/" + dead).json().get("state").stringValue(), "PENDING"::equals);
        await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> operator.findElement(By.id("detail-state")).getText(), "PENDING"::equals);
        JsonNode history = api.get("/jobs/" + dead).json().get("history");
        assertThat(history.get(history.size() - 1).get("actor").stringValue())
                .isEqualTo("api:" + TestTokens.callerId(TestTokens.OPERATOR_NAME));
        assertThat(repository.find(dead).orElseThrow().state()).isEqualTo(JobState.PENDING);
        System.out.printf(
                "dashboard in chromium: login page first, numbers equal to /fleet/status, the viewer had no"
                        + " re-drive button, the operator re-drove job %s to PENDING%n",
                dead);
    }

    private void assertTheNumbersAreTheApis(WebDriver browser, HttpApi api) {
        // nothing runs the jobs here, so the figures hold still; wait for a poll after the API's read
        JsonNode status = api.get("/fleet/status").json();
        int polls = loaded(browser);
        await().atMost(WAIT).until(() -> loaded(browser) > polls);
        JsonNode byState = status.get("queue").get("byState");
        for (JobState state : JobState.values()) {
            assertThat(browser.findElement(By.id("count-" + state.name())).getText())
                    .as("%s on the page", state)
                    .isEqualTo(String.valueOf(byState.get(state.name()).longValue()));
        }
        assertThat(browser.findElement(By.id("count-total")).getText())
                .isEqualTo(String.valueOf(status.get("queue").get("total").longValue()));
        assertThat(browser.findElement(By.id("tile-dead")).getText())
                .isEqualTo(String.valueOf(status.get("deadJobs").longValue()));
        assertThat(browser.findElement(By.id("tile-outbox")).getText())
                .isEqualTo(String.valueOf(status.get("outboxBacklog").longValue()));
        List<String> apiJobs = api.get("/jobs?limit=25")
                .json()
                .get("jobs")
                .valueStream()
                .map(j -> j.get("id").stringValue())
                .toList();
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(browser.findElements(By.cssSelector("#jobs tbody tr")).stream()
                                .map(row -> row.getAttribute("data-job"))
                                .toList())
                        .isEqualTo(apiJobs));
    }

    /**
     * The text of an element of the drill-down. The page redraws the drill-down on every poll, so
     * an element found just before a redraw is stale when read: find it again.
     */
    private static String text(WebDriver browser, String id) {
        return await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> browser.findElement(By.id(id)).getText(), t -> true);
    }

    private static void openJob(WebDriver browser, UUID id) {
        await().atMost(WAIT)
                .until(() -> !browser.findElements(By.cssSelector("#jobs tr[data-job='" + id + "']"))
                        .isEmpty());
        // the table is redrawn when the jobs change: click again if the row went stale meanwhile
        await().atMost(WAIT)
                .ignoreException(StaleElementReferenceException.class)
                .until(() -> {
                    browser.findElement(By.cssSelector("#jobs tr[data-job='" + id + "']"))
                            .click();
                    WebElement detail = browser.findElement(By.id("job-detail"));
                    return id.toString().equals(detail.getAttribute("data-job"));
                });
    }

    private static void signIn(WebDriver browser, String token) {
        browser.findElement(By.id("token")).sendKeys(token);
        browser.findElement(By.id("sign-in")).click();
    }

    private static int loaded(WebDriver browser) {
        String polls = browser.findElement(By.tagName("body")).getAttribute("data-loaded");
        return polls == null ? 0 : Integer.parseInt(polls);
    }

    private String base() {
        return "http://127.0.0.1:" + port;
    }

    private WebDriver browser() {
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--window-size=1400,1500");
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .build();
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().timeouts().implicitlyWait(Duration.ofSeconds(2));
        browsers.add(driver);
        return driver;
    }

    private static void screenshot(WebDriver browser) throws IOException {
        File shot = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "dashboard.png").toAbsolutePath();
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
        System.out.println("dashboard screenshot: " + target);
    }
}
