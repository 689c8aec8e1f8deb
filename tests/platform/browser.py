"""Headless Chromium (Debian's chromium + chromium-driver packages) driven by Selenium, for tests of the UI."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1600,1000",
)


@contextmanager
def headless_chromium() -> Iterator[webdriver.Chrome]:
    """Gives a Chromium driven through the system chromedriver (no browser or driver is downloaded)."""
    chromium, chromedriver = shutil.which("chromium"), shutil.which("chromedriver")
    if not (chromium and chromedriver):
        raise RuntimeError(
            "needs Debian's chromium and chromium-driver: apt-get install -y chromium chromium-driver"
        )
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(chromedriver), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def page_text(driver: webdriver.Chrome) -> str:
    return driver.find_element(By.TAG_NAME, "body").text


def wait_for(
    driver: webdriver.Chrome, condition: Callable[[str], bool], what: str, timeout: float = 90
) -> str:
    """Waits until the page's visible text satisfies `condition`; gives that text."""
    WebDriverWait(driver, timeout, poll_frequency=0.5).until(
        lambda d: condition(page_text(d)), message=f"waited {timeout:.0f}s for {what}"
    )
    return page_text(driver)


def click_button(driver: webdriver.Chrome, label: str) -> bool:
    """Clicks the first visible button labelled exactly `label`; gives whether there was one."""
    for button in driver.find_elements(By.TAG_NAME, "button"):
        if button.text.strip() == label and button.is_displayed():
            button.click()
            return True
    return False


def dismiss_dialog(driver: webdriver.Chrome, title: str, button: str, timeout: float = 20) -> None:
    """Closes a dialog that a fresh session shows once (its `title` text), if it appears within `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if title in page_text(driver) and click_button(driver, button):
            wait_for(driver, lambda text: title not in text, f"the {title!r} dialog to close", timeout=10)
            return
        time.sleep(0.5)
