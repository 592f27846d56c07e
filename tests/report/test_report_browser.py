"""The class report in a real browser: headless Chromium opens report.html from disk, runs
its script, and we read the resulting DOM and take a screenshot (the README's picture).

Debian's `chromium` is installed here when it is missing (as root, with apt-get); where it
cannot be, this test is skipped and says why.
"""
import os
import shutil
import subprocess
import tempfile
from html.parser import HTMLParser
from pathlib import Path

import pytest

from conftest import COPIED, NEAR_COPY, kept

FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOT = os.environ.get("REPORT_SCREENSHOT")  # where to keep the screenshot (docs/report.png)


def find_chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
def chromium():
    found = find_chromium()
    if found:
        return found
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        pytest.skip("Chromium is not installed, and this user cannot apt-get install it")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update"],
                    ["apt-get", "install", "-y", "--no-install-recommends", "chromium"]):
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=1200)
        if run.returncode != 0:
            pytest.skip(f"Chromium could not be installed ({' '.join(command)}: "
                        f"{run.stderr.strip()[-300:]})")
    return find_chromium() or pytest.skip("apt-get installed chromium, but no binary found")


def browse(chromium, page: Path, *args) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory() as profile:
        return subprocess.run([chromium, *FLAGS, f"--user-data-dir={profile}", *args,
                               page.as_uri()], capture_output=True, text=True, timeout=180)


class Dom(HTMLParser):
    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.tags, self.title, self._in_title = [], "", False
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        self._in_title = tag == "title" and not self.title

    def handle_data(self, data):
        if self._in_title:
            self.title += data

    def handle_endtag(self, tag):
        self._in_title = False


def test_the_report_in_chromium(chromium, klass, tmp_path):
    page = klass[1] / "report.html"
    dumped = browse(chromium, page, "--dump-dom")
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = Dom(dumped.stdout)
    # the histogram is drawn, with a bar per tenth of the points
    assert any(t == "svg" and a.get("id") == "score-histogram" for t, a in dom.tags)
    assert sum(t == "rect" and "data-count" in a for t, a in dom.tags) >= 10
    # the hardest item first: the lowest pass rate of the table
    rows = [a for t, a in dom.tags if t == "tr" and "item" in (a.get("class") or "").split()]
    rates = [float(r["data-pass-rate"]) for r in rows]
    assert rows and rates[0] == min(rates) < 1
    # the near-copy pair is the top similarity match
    pairs = [a for t, a in dom.tags if t == "tr" and "pair-row" in (a.get("class") or "")]
    assert {pairs[0]["data-a"], pairs[0]["data-b"]} == {COPIED, NEAR_COPY}
    # the hostile submission name stayed text: no element, no script ran
    assert dom.title.endswith("class report") and "pwned" not in dom.title
    assert not any(t == "img" for t, _ in dom.tags)
    assert len(kept(klass[1])) == 8

    shot = Path(SHOT) if SHOT else tmp_path / "report.png"
    taken = browse(chromium, page, f"--screenshot={shot}", "--window-size=1280,2000",
                   "--hide-scrollbars")
    assert taken.returncode == 0, taken.stderr[-2000:]
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
