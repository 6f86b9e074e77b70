"""The preview page in a real headless Chromium, driven by Selenium, as a person uses it.

Needs Debian's `chromium` and `chromium-driver` packages (`.ci/run` installs them under CI=true).
Elsewhere the tests are skipped when the browser is missing; under CI they fail instead.
Screenshots go to $PREVIEW_SCREENSHOTS (docs/preview/ holds the ones docs/preview.md shows:
PREVIEW_SCREENSHOTS=docs/preview .venv/bin/python -m pytest tests/test_preview_browser.py).
"""
from __future__ import annotations

import os
import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from templater.resources import library_dir

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")
if not (CHROMIUM and DRIVER):
    if os.environ.get("CI") == "true":
        raise RuntimeError("CI needs chromium and chromium-driver for the preview's browser tests (.ci/run installs them)")
    pytest.skip("chromium and chromium-driver are not installed (apt-get install chromium chromium-driver)",
                allow_module_level=True)

import uvicorn  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402

from templater.preview.app import create_app  # noqa: E402
from templater.preview.workspace import Workspace  # noqa: E402

pytestmark = pytest.mark.slow
SHOTS = Path(os.environ["PREVIEW_SCREENSHOTS"]).resolve() if os.environ.get("PREVIEW_SCREENSHOTS") else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder holding the retail templates, served on a free port; yields (url, folder)."""
    folder = tmp_path / "messages"
    shutil.copytree(library_dir() / "retail", folder)
    monkeypatch.chdir(tmp_path)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(Workspace("messages")), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/", folder
    server.should_exit = True
    thread.join(10)


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(DRIVER), options=options)
    yield driver
    driver.quit()


def _shot(driver, name: str, tmp_path: Path) -> None:
    folder = SHOTS or tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(folder / f"{name}.png"))


def _wait(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(lambda d: condition(d))


def _type_at_end(driver, text: str) -> None:
    source = driver.find_element(By.ID, "source")
    source.click()
    source.send_keys(Keys.CONTROL, Keys.END)
    source.send_keys(text)


def _open(driver, url: str, path: str) -> None:
    driver.get(url)
    _wait(driver, lambda d: d.find_elements(By.CSS_SELECTOR, f'#templates button[data-path="{path}"]'))
    driver.find_element(By.CSS_SELECTOR, f'#templates button[data-path="{path}"]').click()
    _wait(driver, lambda d: d.find_element(By.ID, "count-segments").text)


def test_type_see_the_finding_and_the_counter_then_save(site, browser, tmp_path):
    url, folder = site
    browser.get(url)
    _wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, "#templates button")) > 3)
    Select(browser.find_element(By.ID, "filter-category")).select_by_visible_text("transactional")
    shown = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "#templates .meta")]
    assert shown and all(m.startswith("transactional") for m in shown)
    _shot(browser, "list", tmp_path)
    _open(browser, url, "order-shipped.en.sms")
    assert not browser.find_elements(By.CSS_SELECTOR, '#findings li[data-rule="mixed-content"]')
    before = browser.find_element(By.ID, "count-characters").text
    _type_at_end(browser, " Use code SAVE20 for 20% off")
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, '#findings li[data-rule="mixed-content"]'))
    underlined = browser.find_elements(By.CSS_SELECTOR, "#highlight .u")
    spans = {u.get_attribute("textContent") for u in underlined if "mixed-content" in u.get_attribute("title")}
    assert {"Use code SAVE20", "20% off"} <= spans  # the finding's exact text is underlined
    _wait(browser, lambda d: d.find_element(By.ID, "count-characters").text != before)
    _shot(browser, "editor", tmp_path)
    browser.find_element(By.ID, "phone-pane").screenshot(
        str((SHOTS or tmp_path) / "phone.png"))
    browser.find_element(By.ID, "save-button").click()
    # (the status line may already show a later lint's counts: the file on disk is the proof)
    _wait(browser, lambda d: "Use code SAVE20 for 20% off" in (folder / "order-shipped.en.sms").read_text(encoding="utf-8"))


def test_fix_a_non_gsm_character_through_its_lookalike(site, browser):
    url, folder = site
    _open(browser, url, "order-shipped.en.sms")
    _type_at_end(browser, " It’s on its way.")
    _wait(browser, lambda d: d.find_element(By.ID, "count-encoding").text == "UCS-2")
    browser.find_element(By.CSS_SELECTOR, "#non-gsm button.lookalike").click()
    _wait(browser, lambda d: d.find_element(By.ID, "count-encoding").text == "GSM-7")
    assert "It's on its way." in browser.find_element(By.ID, "source").get_property("value")


def test_create_a_template_with_new_using_the_keyboard(site, browser):
    url, folder = site
    browser.get(url)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#templates button"))
    browser.find_element(By.ID, "new-button").send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.find_element(By.ID, "new-dialog").get_attribute("open") is not None)
    Select(browser.find_element(By.ID, "new-industry")).select_by_visible_text("banking")
    cases = Select(browser.find_element(By.ID, "new-case"))
    cases.select_by_index(0)
    use_case = cases.first_selected_option.text
    Select(browser.find_element(By.ID, "new-language")).select_by_visible_text("fr")
    brand = browser.find_element(By.ID, "new-brand")
    brand.send_keys("Banque Exemple", Keys.ENTER)
    _wait(browser, lambda d: d.find_element(By.ID, "current-path").text == f"{use_case}.fr.sms")
    made = (folder / f"{use_case}.fr.sms").read_text(encoding="utf-8")
    assert "Banque Exemple" in made


def test_pick_a_row_of_a_recipients_file(site, browser):
    url, folder = site
    (folder / "people.csv").write_text("phone,first_name,order_id\n+15550100,Zoé,B22\n", encoding="utf-8")
    _open(browser, url, "order-shipped.en.sms")
    Select(browser.find_element(By.ID, "rows-file")).select_by_visible_text("people.csv")
    _wait(browser, lambda d: "Zoé" in d.find_element(By.ID, "bubble").text)
    assert "#B22" in browser.find_element(By.ID, "bubble").text


def _tab_to(driver, condition: str, limit: int = 150) -> None:
    """Press Tab until document.activeElement matches the CSS selector."""
    for _ in range(limit):
        if driver.execute_script("return document.activeElement.matches(arguments[0])", condition):
            return
        driver.switch_to.active_element.send_keys(Keys.TAB)
    raise AssertionError(f"Tab never reached {condition}")


def test_the_keyboard_alone_opens_edits_and_saves(site, browser):
    url, folder = site
    browser.get(url)
    _wait(browser, lambda d: d.find_elements(By.CSS_SELECTOR, "#templates button"))
    _tab_to(browser, '#templates button[data-path="order-shipped.en.sms"]')
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    _wait(browser, lambda d: d.find_element(By.ID, "current-path").text == "order-shipped.en.sms")
    _tab_to(browser, "#source")
    browser.switch_to.active_element.send_keys(Keys.CONTROL, Keys.END)
    browser.switch_to.active_element.send_keys(" See you soon.")
    browser.switch_to.active_element.send_keys(Keys.CONTROL, "s")
    _wait(browser, lambda d: "See you soon." in (folder / "order-shipped.en.sms").read_text(encoding="utf-8"))
