"""The review page in a real headless Chromium (the operating system's package, driven by
Playwright), against the real server started as `pairsmith review serve` in a subprocess."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from moderation.review_store import load_decisions
from pairsmith.core.io import read_jsonl

CHROMIUM = os.environ.get("PAIRSMITH_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
expect = None  # playwright's expect, set by the browser fixture
XSS = ["<img src=x onerror=alert(1)>", "<script>alert(1)</script>"]
DOC = """# Widget

Widgets are configured with `widget.yaml`, which lists every widget by name.

## Colours

A widget's colour is set with the `--colour` option and defaults to blue.
"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pair(i: int, instruction: str, output: str, decision: str = "keep", reason: tuple[str, str] | None = None,
          duplicate_of: str = "", score: float = 0.0) -> dict:
    moderation: dict = {"decision": decision, "reasons": [], "evidence": [], "checks": {"grounding": {"score": 0.5 + i / 100}}}
    if reason:
        evidence = {"step": reason[0], "rule": reason[1], "decision": decision, "score": score}
        if duplicate_of:
            evidence["duplicate_of"] = duplicate_of
        moderation["evidence"].append(evidence)
        moderation["reasons"].append(f"{reason[0]}:{reason[1]} ({score:.2f})")
    return {"id": f"p_{i:04d}", "instruction": instruction, "input": "", "output": output,
            "source": {"path": "docs/widget.md", "headings": ["Widget"], "lines": [1, 7]}, "moderation": moderation}


@pytest.fixture
def pairs_file(tmp_path: Path) -> Path:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "widget.md").write_text(DOC, encoding="utf-8")
    rows = [_pair(0, "How is a widget's colour set?", "A widget's colour is set with the `--colour` option and defaults to blue."),
            _pair(1, "Where are widgets configured?", "Widgets are configured with `widget.yaml`, which lists every widget by name.",
                  "review", ("relevance", "weak_relevance"), score=0.15)]
    rows += [_pair(2 + k, f"What does widget {k} do?", f"Widget {k} does thing {k}.", "review", ("relevance", "weak_relevance"),
                   score=0.1 + k / 100) for k in range(5)]
    rows += [_pair(10 + k, f"Is widget {k} duplicated?", f"Widget {k} does thing {k}.", "drop",
                   ("semantic_duplicate", "cosine"), duplicate_of=f"p_{2 + k:04d}", score=0.97) for k in range(3)]
    rows += [_pair(20 + k, f"Show me markup {k}", text, "review", ("answer_form", "markup_only"), score=1.0)
             for k, text in enumerate(XSS)]
    path = tmp_path / "curated.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


class Server:
    """`pairsmith review serve` in a subprocess, on a free port."""

    def __init__(self, file: Path, *extra: str) -> None:
        self.file = file
        self.port = _free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "pairsmith", "review", "serve", str(file), "--no-browser",
                                      "--port", str(self.port), "--by", "tester", *extra],
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, cwd=file.parent)
        self.url = f"http://127.0.0.1:{self.port}/"
        deadline = time.time() + 60
        while time.time() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(self.proc.stdout.read())
            try:
                urllib.request.urlopen(self.url, timeout=1).read()
                return
            except urllib.error.HTTPError:
                return  # up, and refusing: the token test's server
            except OSError:
                time.sleep(0.2)
        raise AssertionError("review server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(10)


pytestmark = pytest.mark.skipif(not CHROMIUM, reason="no Chromium: apt-get install -y chromium (.ci/run installs it)")


@pytest.fixture
def browser():
    global expect
    playwright_api = pytest.importorskip("playwright.sync_api")
    expect = playwright_api.expect
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield launched
        launched.close()


def _open(browser, url: str):
    page = browser.new_page()
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(url)
    page.wait_for_selector("#list li")
    return page, dialogs


def _store(file: Path) -> Path:
    return file.parent / "reviews.jsonl"


def _wait_for(predicate, timeout: float = 10.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("condition not reached")


def test_review_in_the_browser(pairs_file: Path, browser) -> None:
    before = pairs_file.read_bytes()
    server = Server(pairs_file)
    try:
        page, dialogs = _open(browser, server.url)
        assert page.locator("#total").inner_text() == "12 pairs"
        assert "a</kbd> approve" in page.inner_html("#keys") or "approve" in page.inner_text("#keys")

        # filter by reason, with counts per value
        options = page.locator("#reason option").all_inner_texts()
        assert "relevance:weak_relevance (6)" in options
        page.select_option("#reason", "relevance:weak_relevance")
        expect(page.locator("#total")).to_have_text("6 pairs")

        # the source chunk with the answer marked
        expect(page.locator("#instruction")).to_have_text("Where are widgets configured?")
        page.wait_for_selector("#chunk mark")
        assert page.inner_text("#chunk mark").startswith("Widgets are configured with")

        # approve and reject by key
        first = page.get_attribute("#list li.selected", "data-id")
        page.keyboard.press("a")
        _wait_for(lambda: _store(pairs_file).exists() and first in load_decisions(_store(pairs_file)))
        expect(page.locator("#list li.selected")).not_to_have_attribute("data-id", first)
        second = page.get_attribute("#list li.selected", "data-id")
        page.keyboard.press("r")
        _wait_for(lambda: second in load_decisions(_store(pairs_file)))
        decided = load_decisions(_store(pairs_file))
        assert decided[first]["status"] == "approved" and decided[second]["status"] == "rejected"
        assert decided[first]["by"] == "tester"

        # undo takes the reject back
        page.keyboard.press("u")
        _wait_for(lambda: second not in load_decisions(_store(pairs_file)))

        # edit in place: e, type, Ctrl+Enter
        expect(page.locator("#list li.selected")).to_have_attribute("data-id", second)
        page.keyboard.press("e")
        page.fill("#edit-output", "Widget 0 does thing zero, and nothing else.")
        page.keyboard.press("Control+Enter")
        _wait_for(lambda: load_decisions(_store(pairs_file)).get(second, {}).get("status") == "edited")
        assert load_decisions(_store(pairs_file))[second]["output"] == "Widget 0 does thing zero, and nothing else."

        # bulk approve the filter, after a confirmation that says how many
        page.click("#bulk-approve")
        assert "all 6 pairs" in page.inner_text("#confirm-text")
        page.click("#confirm-yes")
        _wait_for(lambda: sum(1 for r in read_jsonl(_store(pairs_file)) if r.get("bulk")) == 6)

        # reload: every decision is still there
        page.reload()
        page.wait_for_selector("#list li")
        statuses = page.locator("#status option").all_inner_texts()
        assert "approved (6)" in statuses, statuses

        # the markup pairs are shown as text, and run nothing
        page.select_option("#reason", "answer_form:markup_only")
        expect(page.locator("#total")).to_have_text("2 pairs")
        shown = []
        for _ in XSS:
            page.wait_for_selector("#output")
            shown.append(page.inner_text("#output"))
            page.keyboard.press("j")
            page.wait_for_timeout(300)
        assert sorted(shown) == sorted(XSS)
        assert page.locator("#detail img").count() == 0 and page.locator("#detail script").count() == 0
        assert dialogs == []

        # the duplicate is shown beside the pair it duplicates
        page.select_option("#reason", "semantic_duplicate:cosine")
        page.wait_for_selector("#other")
        assert "Widget 0 does thing 0." in page.inner_text("#other")
    finally:
        server.stop()
    assert pairs_file.read_bytes() == before  # the reviewed file is never modified


def test_killed_server_loses_no_decision(pairs_file: Path, browser) -> None:
    server = Server(pairs_file)
    page, _ = _open(browser, server.url)
    other_tab, _ = _open(browser, server.url)
    ids = ["p_0000", "p_0001", "p_0002", "p_0003"]
    for tab, pair_id in zip((page, other_tab, page, other_tab), ids):  # two tabs deciding in turn
        tab.click(f"#list li[data-id='{pair_id}']")
        expect(tab.locator("#list li.selected")).to_have_attribute("data-id", pair_id)
        tab.keyboard.press("a")
        _wait_for(lambda: _store(pairs_file).exists() and pair_id in load_decisions(_store(pairs_file)))
    server.kill()
    assert set(load_decisions(_store(pairs_file))) == set(ids)
    server = Server(pairs_file)
    try:
        page.goto(server.url)
        page.wait_for_selector("#list li")
        assert "approved (4)" in page.locator("#status option").all_inner_texts()
    finally:
        server.stop()


def _request(url: str, body: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def test_writes_need_the_token_and_json(pairs_file: Path) -> None:
    server = Server(pairs_file)
    try:
        body = {"id": "p_0000", "status": "rejected"}
        assert _request(server.url + "api/decide", body, {"Content-Type": "application/json"})[0] == 403
        assert _request(server.url + "api/decide", body, {"Content-Type": "application/json",
                                                          "X-Pairsmith-Token": "guess"})[0] == 403
        html = urllib.request.urlopen(server.url).read().decode()
        token = html.split('name="pairsmith-token" content="')[1].split('"')[0]
        assert _request(server.url + "api/decide", body, {"Content-Type": "text/plain",
                                                          "X-Pairsmith-Token": token})[0] == 415
        forged = urllib.request.Request(server.url, headers={"Host": "attacker.example:80"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(forged, timeout=5)
        assert refused.value.code == 403
        assert not _store(pairs_file).exists()  # nothing was written by any of these
        status, reply = _request(server.url + "api/decide", body, {"Content-Type": "application/json",
                                                                   "X-Pairsmith-Token": token})
        assert status == 200 and reply["decided"] == 1
        assert load_decisions(_store(pairs_file))["p_0000"]["status"] == "rejected"
    finally:
        server.stop()


def test_bad_requests_get_one_line_and_the_store_stays_consistent(pairs_file: Path) -> None:
    server = Server(pairs_file)
    try:
        html = urllib.request.urlopen(server.url).read().decode()
        token = html.split('name="pairsmith-token" content="')[1].split('"')[0]
        headers = {"Content-Type": "application/json", "X-Pairsmith-Token": token}
        assert _request(server.url + "api/decide", {"id": "p_0000", "status": "edited", "instruction": 5}, headers)[0] == 400
        assert _request(server.url + "api/decide", {"id": "p_0000", "status": "approved", "output": "x"}, headers)[0] == 400
        assert _request(server.url + "api/bulk", {"filter": "all", "status": "approved"}, headers)[0] == 400
        assert _request(server.url + "api/decide", {"id": "nope", "status": "approved"}, headers)[0] == 404
        for status in ("approved", "rejected", "approved"):
            assert _request(server.url + "api/decide", {"id": "p_0000", "status": status}, headers)[0] == 200
        code, reply = _request(server.url + "api/undo", {"ids": ["p_0000", "p_0000"]}, headers)
        assert code == 200 and reply["now"][0]["status"] == "rejected"  # one undo per pair, even when repeated
        assert load_decisions(_store(pairs_file))["p_0000"]["status"] == "rejected"  # the store agrees
        odd = _request(server.url + "api/pair/" + urllib.parse.quote("p_0000"), None)[0]
        assert odd == 200
    finally:
        server.stop()


def test_other_address_needs_expose_and_then_a_token(pairs_file: Path) -> None:
    refused = subprocess.run([sys.executable, "-m", "pairsmith", "review", "serve", str(pairs_file), "--no-browser",
                              "--host", "0.0.0.0"], capture_output=True, text=True, timeout=60)
    assert refused.returncode != 0 and "--expose" in refused.stderr and "Traceback" not in refused.stderr
    server = Server(pairs_file, "--host", "0.0.0.0", "--expose")
    try:
        with pytest.raises(urllib.error.HTTPError) as denied:
            urllib.request.urlopen(server.url, timeout=5)
        assert denied.value.code == 403
        with pytest.raises(urllib.error.HTTPError) as denied_api:
            urllib.request.urlopen(server.url + "api/pairs", timeout=5)
        assert denied_api.value.code == 403
        assert b"pairsmith" in urllib.request.urlopen(server.url + "app.js", timeout=5).read()  # no secret in it
    finally:
        server.stop()
