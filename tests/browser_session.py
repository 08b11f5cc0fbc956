"""A headless Debian chromium driven by Selenium through the distribution's chromedriver, for the
tests that open card.html, viewer.html and report.html; skips, saying why, where one is absent."""
from __future__ import annotations

import shutil

import pytest

CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DRIVER = ("chromedriver",)


def _which(names) -> str | None:
    return next((path for name in names if (path := shutil.which(name))), None)


def start_browser():
    """A Chrome webdriver with console logging on; pytest.skip with the reason when impossible."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed "
                                    "(pip install -e '.[test]')")
    browser, driver = _which(CHROMIUM), _which(DRIVER)
    if not browser or not driver:
        pytest.skip("no chromium/chromedriver on PATH: apt-get install -y chromium "
                    "chromium-driver (.ci/run does this where apt is available)")
    options = webdriver.ChromeOptions()
    options.binary_location = browser
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1280,1000", "--allow-file-access-from-files"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    from selenium.webdriver.chrome.service import Service
    return webdriver.Chrome(options=options, service=Service(executable_path=driver))


def console_errors(driver) -> list[str]:
    """Console messages of level SEVERE since the last call (failed loads, script errors)."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def broken_images(driver) -> list[str]:
    """The src of every <img> on the page that has not loaded (or has no pixels)."""
    return driver.execute_script(
        "return Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src'));")
