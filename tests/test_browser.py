"""The dashboard in a real browser: headless Chromium (Debian) driven by Playwright."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
ROOT = Path(__file__).resolve().parents[1]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# generous: CI machines run the suite under load, and the first reply loads the language models
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    import uvicorn

    from vezhlivo.service.app import create_app
    from vezhlivo.service.demo import load_demo

    db = tmp_path_factory.mktemp("web") / "vz.sqlite"
    app = create_app(f"sqlite:///{db}", str(ROOT / "examples" / "rulebook.yaml"), secret="browser-test")
    lines = list(load_demo(app))
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    for _ in range(300):
        if srv.started:
            break
        time.sleep(0.1)
    assert srv.started, "the web server did not start within 30 s"
    yield f"http://127.0.0.1:{port}", lines
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if CHROMIUM is None:
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def _login(page: object, base: str, user: str, password: str) -> None:
    page.goto(f"{base}/login")  # type: ignore[attr-defined]
    page.fill("#username", user)  # type: ignore[attr-defined]
    page.fill("#password", password)  # type: ignore[attr-defined]
    page.click("#login")  # type: ignore[attr-defined]
    page.wait_for_url(f"{base}/")  # type: ignore[attr-defined]


def test_supervisor_sees_operators_and_findings_in_place(server: tuple[str, list[str]], browser: object,
                                                         tmp_path: Path) -> None:
    base, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, "admin", "admin-demo")
    assert page.locator("#operators tr").count() > 3
    assert page.locator("svg.chart").count() == 1
    page.goto(f"{base}/contacts/chat-002")
    marks = page.locator("#conversation mark")
    assert marks.count() >= 1
    rules = {marks.nth(i).get_attribute("data-rule") for i in range(marks.count())}
    assert "F1" in rules
    assert "Вам удобно подождать минуту, я уточню вопрос?" in page.inner_text("#conversation")
    page.screenshot(path=str(tmp_path / "contact.png"), full_page=True)
    page.close()


def test_operator_types_a_draft_and_sees_the_hint(server: tuple[str, list[str]], browser: object) -> None:
    base, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, "operator", "operator-demo")
    page.goto(f"{base}/console")
    page.fill("#draft", "")
    page.type("#draft", "Я не знаю, где ваш заказ", delay=5)
    hint = page.locator('.hint[data-rule="F1"]')
    hint.wait_for(timeout=WAIT_MS)
    assert "Вам удобно подождать минуту, я уточню вопрос?" in hint.inner_text()
    assert page.locator("#preview mark").first.inner_text().startswith("Я не знаю")
    page.fill("#draft", "Сейчас уточню и напишу Вам.")
    page.locator('.hint[data-rule="F1"]').wait_for(state="detached", timeout=WAIT_MS)
    # an operator cannot open another operator's contact
    response = page.goto(f"{base}/contacts/chat-002")
    assert response is not None and response.status == 404
    page.close()


def test_operator_rehearses_a_scenario_in_the_browser(server: tuple[str, list[str]], browser: object) -> None:
    from vezhlivo.practice.scenarios import load_scenarios

    sc = load_scenarios()["courier-no-show"]
    assert sc.good is not None
    base, _ = server
    page = browser.new_page()  # type: ignore[attr-defined]
    _login(page, base, "operator", "operator-demo")
    page.goto(f"{base}/practice")
    page.click(f'button.start[data-scenario="{sc.id}"]')
    page.locator("#dialogue .msg.client").first.wait_for(timeout=WAIT_MS)
    for i, text in enumerate(sc.good.replies):
        page.fill("#reply", text)
        page.click("#send")
        page.locator("#dialogue .msg.operator").nth(i).wait_for(timeout=WAIT_MS)
        page.wait_for_function(f"document.querySelectorAll('#dialogue .msg').length >= {2 * i + 2}", timeout=WAIT_MS)
        # the page takes the next reply only once the client has answered this one (on a loaded machine
        # an early second reply used to overtake the first and reorder the dialogue)
        page.wait_for_function("!document.getElementById('send').disabled", timeout=WAIT_MS)
        if page.locator("#card").count():
            break
    if not page.locator("#card").count():
        page.click("#end")
    card = page.locator("#card")
    card.wait_for(timeout=WAIT_MS)
    assert "зачтено" in card.inner_text() and "не зачтено" not in card.inner_text()
    page.close()
