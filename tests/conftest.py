"""Shared test fixtures: the ../shared fixtures folder and one Prefect test server per session."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED_FIXTURES = ROOT.parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """../shared/fixtures, or skip the test cleanly when the folder is absent."""
    if not SHARED_FIXTURES.is_dir():
        pytest.skip("../shared/fixtures is absent")
    return SHARED_FIXTURES


@pytest.fixture(scope="session")
def prefect_harness(tmp_path_factory):
    """One temporary Prefect server for the whole session (its first start can take a minute)."""
    home = tmp_path_factory.mktemp("prefect-home")
    os.environ.setdefault("PREFECT_HOME", str(home))
    os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    os.environ["DO_NOT_TRACK"] = "1"
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=300):
        yield


@pytest.fixture
def dask_calls(monkeypatch) -> list:
    """The Dask addresses builds rendered on (rendering.render_on_dask spied), in call order."""
    from preprocess.release import rendering

    real, used = rendering.render_on_dask, []
    monkeypatch.setattr(rendering, "render_on_dask",
                        lambda *a: (used.append(a[-1]), real(*a))[1])
    return used


def _assert_same_release(plain: Path, other: Path, min_shards: int = 1) -> None:
    import pandas as pd

    tars = sorted(p.name for p in plain.glob("*.tar"))
    assert len(tars) >= min_shards and tars == sorted(p.name for p in other.glob("*.tar"))
    for name in tars:
        assert (plain / name).read_bytes() == (other / name).read_bytes(), name
    pd.testing.assert_frame_equal(pd.read_parquet(plain / "manifest.parquet"),
                                  pd.read_parquet(other / "manifest.parquet"))


@pytest.fixture
def assert_same_release():
    """assert_same_release(a, b, min_shards=1): same shard names, bytes and manifest."""
    return _assert_same_release


@pytest.fixture(scope="module")
def browser():
    """One headless chromium per test module (tests/browser_session.py); skipped where absent."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("browser_session",
                                                  Path(__file__).parent / "browser_session.py")
    session = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(session)
    from types import SimpleNamespace

    driver = session.start_browser()
    try:
        yield SimpleNamespace(driver=driver, console_errors=lambda: session.console_errors(driver),
                              broken_images=lambda: session.broken_images(driver))
    finally:
        driver.quit()
