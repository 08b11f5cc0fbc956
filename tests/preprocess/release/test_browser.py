"""card.html and viewer.html in a real browser (headless chromium): no console error, every
thumbnail loads, every label name shows, the split selector and label filter change the rows."""
from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

pytestmark = pytest.mark.slow
ESCAPED = re.compile(r"\\u[0-9a-fA-F]{4}|#\d+\b")


def shown_keys(driver) -> list[str]:
    return [row.get_attribute("data-key")
            for row in driver.find_elements(By.CSS_SELECTOR, "#rows tbody tr")]


def test_card_loads_with_every_name_and_thumbnail(browser, named_release):
    driver = browser.driver
    driver.get((named_release / "card.html").as_uri())
    assert browser.console_errors() == []
    assert browser.broken_images() == []
    text = driver.find_element(By.TAG_NAME, "body").text
    for name in ("浦島", "Momotaro", "猫 (cat)", "剣 (sword)", "青空 (blue sky)"):
        assert name in text
    assert not ESCAPED.search(text)
    tiles = driver.find_elements(By.CSS_SELECTOR, ".grid .tile")
    assert sorted(t.text for t in tiles) == [  # one per label of every label set
        "character: Momotaro", "character: 浦島", "tags: 剣 (sword)", "tags: 猫 (cat)",
        "tags: 青空 (blue sky)"]
    assert driver.execute_script(  # the shared stylesheet applies (not the browser default)
        "return getComputedStyle(document.querySelector('table')).borderCollapse") == "collapse"


def test_viewer_split_selector_and_label_filter_change_rows(browser, named_release):
    driver = browser.driver
    driver.get((named_release / "viewer.html").as_uri())
    assert browser.console_errors() == []
    train = shown_keys(driver)
    assert len(train) == 9 and all(k.startswith("named_train_") for k in train)
    assert browser.broken_images() == []
    Select(driver.find_element(By.ID, "split")).select_by_visible_text("test (9)")
    test = shown_keys(driver)
    assert len(test) == 9 and all(k.startswith("named_test_") for k in test)
    assert browser.broken_images() == []
    Select(driver.find_element(By.ID, "label-set")).select_by_value("character")
    labels = Select(driver.find_element(By.ID, "label"))
    assert [o.text for o in labels.options] == ["(any)", "浦島 (5)", "Momotaro (4)"]
    labels.select_by_visible_text("Momotaro (4)")
    assert shown_keys(driver) == [f"named_test_{i:03d}" for i in (1, 3, 5, 7)]
    body = driver.find_element(By.TAG_NAME, "body").text
    assert "青空 (blue sky)" in body or "剣 (sword)" in body
    assert not ESCAPED.search(body)
    assert browser.console_errors() == []


def test_viewer_pages_through_a_split(browser, release):
    driver = browser.driver
    driver.get((release.path / "viewer.html").as_uri())
    import pandas as pd

    manifest = pd.read_parquet(release.path / "manifest.parquet")
    rows = int(((manifest["status"] == "success") & (manifest["split"] == "train")).sum())
    assert 40 < rows <= 60  # three pages of 20 (near-duplicate grouping moves a few files)
    first = shown_keys(driver)
    assert len(first) == 20 and f"page 1 of 3 ({rows} rows)" in driver.find_element(
        By.ID, "page-info").text
    driver.find_element(By.ID, "next").click()
    second = shown_keys(driver)
    assert len(second) == 20 and not set(first) & set(second)
    driver.find_element(By.ID, "next").click()
    assert len(shown_keys(driver)) == rows - 40
    assert browser.broken_images() == [] and browser.console_errors() == []
