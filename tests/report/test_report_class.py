"""The class report of a small class of the kit's fixtures, read as a TA reads it: the page
grade-all writes, rebuilt by `report` without regrading, and its content."""
import os
import re
from html.parser import HTMLParser

from conftest import (CASES, CLASS_CASES, COPIED, HOSTILE, ITEMS, NEAR_COPY, copy_class, kept,
                      run_kit)

from autograder import rubric as rubric_file


class Page(HTMLParser):
    """The tags, attributes and text of a page (enough to read the report without a browser)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.text = [], []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def rows(self, cls: str) -> list:
        return [a for t, a in self.tags if t == "tr" and cls in (a.get("class") or "").split()]


def expected_failures() -> dict:
    """{rubric id: submissions failing it}, from cases.toml alone: the stencil fails every
    graded item, each case its `loses`, and the near-copy what its original loses."""
    graded = {i.id for i in rubric_file.load().matching(ITEMS).items}
    fails = {i: 1 for i in graded}
    for name in [*CLASS_CASES, COPIED]:
        for item in CASES[name]["loses"]:
            if item in graded:
                fails[item] += 1
    return fails


def test_grade_all_writes_the_report(klass, report_html):
    """The score histogram holds every graded submission, with the mean and median marked."""
    _, book, run = klass
    assert f"Report: {book / 'report.html'}" in run.stdout
    page = Page(report_html)
    svg = report_html.split('id="score-histogram"')[1].split("</svg>")[0]
    counts = [int(n) for n in re.findall(r'data-count="(\d+)"', svg)]
    assert len(counts) == 10 and sum(counts) == len(kept(book)) - 1  # not the ungradable
    assert "mean " in svg and "median " in svg
    assert any(t == "svg" and a.get("id") == "score-histogram" for t, a in page.tags)


def test_the_page_is_self_contained(report_html):
    """Nothing is fetched: no external script, style sheet, image or font."""
    page = Page(report_html)
    for tag, attrs in page.tags:
        assert tag not in ("link", "iframe", "img", "object", "embed"), tag
        if tag == "script":
            assert "src" not in attrs
    assert not re.search(r"url\(|@import", report_html)


def test_the_hardest_item_is_first(klass, report_html):
    fails = expected_failures()
    rubric = {i.number: i.id for i in rubric_file.load().items}
    rows = Page(report_html).rows("item")
    assert {rubric[r["data-number"]] for r in rows} == set(fails)
    first = rubric[rows[0]["data-number"]]
    assert fails[first] == max(fails.values()), (first, fails)
    rates = [float(r["data-pass-rate"]) for r in rows]
    assert rates == sorted(rates)
    graded = len(kept(klass[1])) - 1  # every kept grade but the ungradable zip
    assert rates[0] == round(1 - fails[first] / graded, 4)


def test_diagnoses_link_to_examples(report_html):
    """mse.gradients: the 'factor n' diagnosis, given to the bug case and its near-copy."""
    section = report_html.split('data-number="5.2"', 2)[2].split("</details>")[0]
    row = next(r for r in section.split("<tr>") if "factor" in r.lower())
    assert f'href="{COPIED}/results.json"' in row and f'href="{NEAR_COPY}/results.json"' in row
    assert re.search(r'<td class="num">2</td>', row)


def test_the_ungradable_zip_is_listed_with_why(report_html):
    section = report_html.split('id="ungraded"')[1].split("</table>")[0]
    assert 'href="ungradable/results.json"' in section
    assert "not gradable" in section and "not a readable zip file" in section


def test_the_near_copy_is_the_top_similarity_match(report_html):
    rows = Page(report_html).rows("pair-row")
    assert {rows[0]["data-a"], rows[0]["data-b"]} == {COPIED, NEAR_COPY}
    top = float(rows[0]["data-score"])
    median = float(re.search(r"The median pair scores ([\d.]+)", report_html).group(1))
    print(f"near-copy pair score {top:.2f}, median pair {median:.2f}")
    assert top > 0.9 and top > median
    assert all(float(r["data-score"]) < top for r in rows[1:])
    assert "<mark>" in report_html.split('class="pair"')[1]
    assert "A match is a lead for a person to read, not a verdict." in report_html


def test_names_are_escaped(report_html):
    assert HOSTILE not in report_html
    assert "&lt;img src=x onerror=&#34;document.title=&#39;pwned&#39;&#34;&gt; &amp; &#39;q&#39;" \
        in report_html
    assert not any(t == "img" for t, _ in Page(report_html).tags)


def test_report_rebuilds_without_regrading(klass, tmp_path):
    root = copy_class(klass, tmp_path / "class")
    book = root / "gradebook"
    stamps = {p: p.stat().st_mtime_ns for p in book.glob("*/results.json")}
    (book / "report.html").unlink()
    run = run_kit("report", root, "--out", book)
    assert run.returncode == 0, run.stderr
    assert f"Report: {book / 'report.html'} (8 submissions" in run.stdout
    assert {p: p.stat().st_mtime_ns for p in book.glob("*/results.json")} == stamps
    again = (book / "report.html").read_text()
    drop = re.compile(r"Generated [^<]* from")
    assert drop.sub("", again) == drop.sub("", (klass[1] / "report.html").read_text())


def test_report_needs_a_gradebook(tmp_path):
    (tmp_path / "empty").mkdir()
    run = run_kit("report", tmp_path / "empty")
    assert run.returncode == 2 and "run `make grade-all" in run.stderr
    assert not os.path.exists(tmp_path / "empty" / "gradebook" / "report.html")
