"""What the browser flows share: a headless Debian Chromium over WebDriver, waiting helpers that
retry instead of sleeping, and a runner that leaves a screenshot and the page's HTML behind
when a step fails."""
import os
import traceback

from selenium import webdriver
from selenium.common.exceptions import NoSuchElementException, StaleElementReferenceException, TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

WAIT_SECONDS = 20


def make_driver(width=1280, height=900):
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("RAPPORT_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                 f"--window-size={width},{height}", "--disable-extensions", "--no-first-run"):
        options.add_argument(flag)
    service = Service(os.environ.get("RAPPORT_CHROMEDRIVER", "/usr/bin/chromedriver"))
    return webdriver.Chrome(service=service, options=options)


def set_viewport(driver, width, height):
    """The window size; below 500 px (which headless Chromium will not open) a phone is emulated."""
    if width < 500:
        driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": width, "height": height, "deviceScaleFactor": 2, "mobile": True})
    else:
        driver.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        driver.set_window_size(width, height)


class BrowserFlow:
    def __init__(self, driver, base):
        self.driver = driver
        self.base = base
        # A check that runs while a form's answer replaces the page can meet elements of the old
        # page; those checks are simply tried again.
        self.wait = WebDriverWait(driver, WAIT_SECONDS, ignored_exceptions=[NoSuchElementException, StaleElementReferenceException])
        self.step_name = "start"

    def go(self, path):
        self.driver.get(self.base + path)

    def find(self, css):
        return self.wait.until(EC.presence_of_element_located((By.CSS_SELECTOR, css)))

    def clickable(self, css):
        return self.wait.until(EC.element_to_be_clickable((By.CSS_SELECTOR, css)))

    def wait_text(self, css, text):
        try:
            self.wait.until(EC.text_to_be_present_in_element((By.CSS_SELECTOR, css), text))
        except TimeoutException:
            raise AssertionError(f"expected {text!r} in {css}")

    def wait_url(self, fragment):
        try:
            self.wait.until(EC.url_contains(fragment))
        except TimeoutException:
            raise AssertionError(f"expected the address to contain {fragment!r}, it is {self.driver.current_url}")

    def check(self, condition, message):
        if not condition:
            raise AssertionError(message)

    def step(self, name, action):
        self.step_name = name
        print(f"step: {name}", flush=True)
        action()


def run_flow(flow, artifacts, passed_message):
    """Runs `flow.run()`, prints `passed_message()` on success; on failure saves evidence and returns 1."""
    os.makedirs(artifacts, exist_ok=True)
    try:
        flow.run()
        print(passed_message(), flush=True)
        return 0
    except Exception as error:  # noqa: BLE001 - every failure must leave evidence
        safe = "".join(c if c.isalnum() else "-" for c in flow.step_name)
        shot = os.path.join(artifacts, f"failed-{safe}.png")
        flow.driver.save_screenshot(shot)
        with open(os.path.join(artifacts, f"failed-{safe}.html"), "w", encoding="utf-8") as page:
            page.write(flow.driver.page_source)
        print(f"FAILED at step '{flow.step_name}' on {flow.driver.current_url}: {error}", flush=True)
        traceback.print_exc()
        print(f"screenshot: {shot}", flush=True)
        return 1
    finally:
        flow.driver.quit()
