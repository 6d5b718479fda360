"""The report in a real headless Chromium (Debian `chromium` + `chromium-driver`, via Selenium).

Checks what only a browser can: highlights sit on the claimed text in the rendered DOM, the
party filter works, injected markup in an article did not run, keyboard navigation reaches
the filter and the article links, the page reads without JavaScript, and the parties view
(timelines, disagreements) renders and links to its claims with no console error and no request
beyond the file itself. Saves screenshots to test-artifacts/.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import pytest

from pipeline.report.builder import write_report
from pipeline.report.view import article_view
from tests.report.conftest import EVIL_ID, EVIL_TEXT, RIVAL_QUOTE, SEED_ID, parties_inputs, sample_inputs

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed (pip install selenium)")
if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
    pytest.skip("headless Chromium not installed: apt-get install -y chromium chromium-driver",
                allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402


def _driver(javascript: bool = True, width: int = 1440, height: int = 1000):
    opts = webdriver.ChromeOptions()
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    opts.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--disable-extensions", "--mute-audio",
                f"--user-data-dir={tempfile.mkdtemp(prefix='chromium-')}", f"--window-size={width},{height}"):
        opts.add_argument(arg)
    if not javascript:
        opts.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    # An explicit driver path: Selenium Manager never runs, so nothing is downloaded.
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    inputs = sample_inputs()
    path = write_report(inputs, tmp_path_factory.mktemp("report") / "report.html")
    return inputs, path


@pytest.fixture(scope="module")
def browser(report):
    d = _driver()
    try:
        yield d
    finally:
        d.quit()


@pytest.fixture
def page(browser, report):
    browser.get(report[1].as_uri())
    browser.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
    return browser


def test_highlights_sit_on_the_claimed_text(page, report):
    inputs, _ = report
    ordered = sorted(inputs.articles, key=lambda a: (a.title.casefold(), a.id))
    shown = page.execute_script("""
        const out = {};
        document.querySelectorAll('mark[data-claims]').forEach(m => {
          m.getAttribute('data-claims').split(' ').forEach(id => { out[id] = (out[id] || '') + m.textContent; });
        });
        return out;""")
    checked = 0
    for i, art in enumerate(ordered):
        for c in article_view(i, art, inputs.records[art.id], None).claims:
            if c.located:
                assert shown[c.id] == art.text[c.evidence.start:c.evidence.end], c.id
                checked += 1
            else:
                assert c.id not in shown
    assert checked == 12
    # the article text in the DOM is the normalized text itself (offsets line up with `pipeline show`)
    text = page.find_element(By.CSS_SELECTOR, f"#art-{EVIL_ID} .text").get_attribute("textContent")
    assert text == EVIL_TEXT
    # a claim's quote links to its highlight
    page.find_element(By.CSS_SELECTOR, f'#art-{SEED_ID} li.claim.loser a[href^="#hl-"]').click()
    assert page.execute_script("return location.hash") == "#hl-a1-l0"
    target = page.execute_script("return document.querySelector(':target').nextElementSibling.textContent")
    assert target == "Microsoft’s stock loses, short-term."


def test_injected_script_and_markup_did_not_run(page):
    assert page.execute_script("return typeof window.__pwned") == "undefined"
    assert page.execute_script("return document.documentElement.classList.contains('js')")  # ours ran
    assert page.find_elements(By.CSS_SELECTOR, "main img, .text script, .claims script") == []
    title = page.find_element(By.CSS_SELECTOR, f"#art-{EVIL_ID} h2").text
    assert title == "Grocers <script>window.__pwned=1</script> & apps"
    inj = page.find_elements(By.CSS_SELECTOR, f"#art-{EVIL_ID} .inj")
    assert inj and "Ignore all previous instructions" in "".join(e.get_attribute("textContent") for e in inj)


def test_party_filter_shows_only_matching_claims(page):
    box = page.find_element(By.ID, "party-filter")
    assert box.is_displayed()
    box.send_keys("micro")
    claims = page.find_elements(By.CSS_SELECTOR, "li.claim[data-claim]")
    visible = [c for c in claims if c.is_displayed()]
    assert visible and len(visible) < len(claims)
    for c in claims:
        hay = (c.get_attribute("data-party") + " " + c.get_attribute("data-search")).lower()
        assert c.is_displayed() == ("micro" in hay), c.get_attribute("data-claim")
    assert {c.get_attribute("data-claim") for c in visible} == {"a1-l0", "a1-l2", "a1-u0", "a1-u1"}
    assert not page.find_element(By.ID, f"art-{EVIL_ID}").is_displayed()  # nothing matches there
    rows = [r for r in page.find_elements(By.CSS_SELECTOR, "table.parties tbody tr") if r.is_displayed()]
    assert [r.get_attribute("data-party") for r in rows] == ["microsoft"]
    dimmed = page.execute_script("return document.querySelectorAll('#art-%s mark.hl.dim').length" % SEED_ID)
    assert dimmed > 0
    assert "4 claims in 1 article" in page.find_element(By.ID, "filter-status").text
    box.send_keys(Keys.ESCAPE)
    assert box.get_attribute("value") == ""
    assert all(c.is_displayed() for c in page.find_elements(By.CSS_SELECTOR, "li.claim[data-claim]"))
    assert page.find_element(By.ID, f"art-{EVIL_ID}").is_displayed()


def test_keyboard_reaches_filter_and_article_links(page):
    seen = []
    for _ in range(12):
        ActionChains(page).send_keys(Keys.TAB).perform()  # keys go wherever focus is, as a user's would
        el = page.switch_to.active_element
        seen.append(el.get_attribute("id") or el.get_attribute("href") or el.tag_name)
    assert seen[0].endswith("#main")  # the skip link comes first
    assert "party-filter" in seen
    assert any(s.endswith(f"#art-{SEED_ID}") for s in seen)
    assert any(s.endswith(f"#art-{EVIL_ID}") for s in seen)
    # Enter on an article link moves there; "/" focuses the filter; "j" jumps to the next article
    link = page.find_element(By.CSS_SELECTOR, f'.sidebar a[href="#art-{SEED_ID}"]')
    link.send_keys(Keys.ENTER)
    assert page.execute_script("return location.hash") == f"#art-{SEED_ID}"
    page.execute_script("window.scrollTo(0, 0); document.activeElement.blur()")
    ActionChains(page).send_keys("/").perform()
    assert page.switch_to.active_element.get_attribute("id") == "party-filter"
    ActionChains(page).send_keys(Keys.ESCAPE).perform()
    assert page.switch_to.active_element.get_attribute("id") != "party-filter"
    ActionChains(page).send_keys("j").perform()
    assert page.switch_to.active_element.get_attribute("id") == f"art-{EVIL_ID}-h"


def test_report_reads_without_javascript(report):
    d = _driver(javascript=False)
    try:
        d.get(report[1].as_uri())
        assert not d.find_element(By.ID, "party-filter").is_displayed()  # a filter that can't work is hidden
        claims = d.find_elements(By.CSS_SELECTOR, "li.claim[data-claim]")
        assert len(claims) == 13 and all(c.is_displayed() for c in claims)
        marks = d.find_elements(By.CSS_SELECTOR, "mark.hl")
        assert marks and marks[0].value_of_css_property("background-color") != "rgba(0, 0, 0, 0)"
        assert d.find_element(By.CSS_SELECTOR, "svg.chart").is_displayed()
        assert d.find_element(By.ID, "digest").is_displayed()
    finally:
        d.quit()


def test_screenshot_artifact(report):
    ARTIFACTS.mkdir(exist_ok=True)
    d = _driver(height=1000)
    try:
        d.get(report[1].as_uri())
        height = d.execute_script("return document.documentElement.scrollHeight")
        d.set_window_size(1440, min(height + 120, 6000))
        out = ARTIFACTS / "report.png"
        assert d.save_screenshot(str(out))
        d.set_window_size(1440, 1000)
        d.execute_script("document.documentElement.style.scrollBehavior='auto';"
                         "document.getElementById('art-%s').scrollIntoView()" % SEED_ID)
        assert d.save_screenshot(str(ARTIFACTS / "report-article.png"))
    finally:
        d.quit()
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000


@pytest.fixture(scope="module")
def parties_report(tmp_path_factory):
    return write_report(parties_inputs(), tmp_path_factory.mktemp("parties") / "report.html")


@pytest.fixture
def parties_page(browser, parties_report):
    browser.get_log("browser")  # drop what earlier pages logged
    browser.get_log("performance")
    browser.get(parties_report.as_uri())
    browser.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
    return browser


def _box(page, el) -> dict:
    return page.execute_script("const r = arguments[0].getBoundingClientRect();"
                               "return {x: r.left, y: r.top, w: r.width, h: r.height};", el)


def test_parties_view_draws_timelines_and_disagreements_side_by_side(parties_page):
    page = parties_page
    row = page.find_element(By.ID, "party-microsoft")
    assert row.is_displayed()
    marks = row.find_elements(By.CSS_SELECTOR, "svg.tl a.mk")
    assert [m.get_attribute("class") for m in marks] == ["mk loser", "mk loser", "mk unchanged", "mk unchanged",
                                                         "mk winner"]
    boxes = [_box(page, m) for m in marks]
    assert all(b["w"] > 4 and b["h"] > 4 for b in boxes)  # drawn, not collapsed to nothing
    assert boxes[4]["x"] > boxes[0]["x"] + 150  # a month later, far to the right
    assert boxes[4]["y"] < boxes[2]["y"] < boxes[0]["y"]  # winner above the line, loser below
    lane = _box(page, page.find_element(By.CSS_SELECTOR, "#party-delivery-apps a.mk.undated"))
    assert lane["x"] > boxes[4]["x"]  # the undated lane is right of the last date
    # the lane and baseline drawn from <defs> have their colours (a black box means unstyled)
    fill = page.execute_script("return getComputedStyle(document.querySelector('#tl-bg rect')).fill")
    assert fill == "rgb(243, 244, 247)"
    single = page.find_element(By.ID, "parties-single")
    assert single.get_attribute("open") is None and not page.find_element(By.ID, "party-anthropic").is_displayed()
    dis = page.find_element(By.ID, "dis-microsoft")
    win, lose = dis.find_element(By.CSS_SELECTOR, ".side.win"), dis.find_element(By.CSS_SELECTOR, ".side.lose")
    assert win.is_displayed() and lose.is_displayed()
    bw, bl = _box(page, win), _box(page, lose)
    assert bw["x"] + bw["w"] <= bl["x"] and abs(bw["y"] - bl["y"]) < 2  # side by side
    assert RIVAL_QUOTE in win.text and "Microsoft’s stock loses, short-term." in lose.text


def test_a_timeline_mark_click_goes_to_its_claim(parties_page):
    page = parties_page
    mark = page.find_element(By.CSS_SELECTOR, '#party-microsoft a.mk.winner')
    assert RIVAL_QUOTE in mark.find_element(By.TAG_NAME, "title").get_attribute("textContent")
    ActionChains(page).move_to_element(mark).click().perform()
    assert page.execute_script("return location.hash") == "#hl-a2-w0"
    shown = page.execute_script("return document.querySelector(':target').nextElementSibling.textContent")
    assert shown == RIVAL_QUOTE
    outline = page.execute_script("return getComputedStyle(document.querySelector(':target + mark')).outlineStyle")
    assert outline == "solid"  # the highlight is flashed
    top = page.execute_script("return document.querySelector(':target + mark').getBoundingClientRect().top")
    assert 0 <= top < page.execute_script("return innerHeight")  # scrolled into view
    # an unverified claim has no highlight: its mark goes to the claim card
    page.find_elements(By.CSS_SELECTOR, "#party-microsoft a.mk.loser")[1].click()
    assert page.execute_script("return location.hash") == "#c-a1-l2"
    assert page.execute_script("return getComputedStyle(document.querySelector(':target')).outlineStyle") == "solid"
    # a quote in the disagreements goes to its claim too
    page.find_element(By.CSS_SELECTOR, '#dis-oracle .side.lose blockquote a').click()
    assert page.execute_script("return location.hash") == "#hl-a2-l0"


def test_party_filter_reaches_the_parties_view(parties_page):
    page = parties_page
    box = page.find_element(By.ID, "party-filter")
    box.send_keys("anthropic")  # named in one article: its collapsed list opens
    assert page.find_element(By.ID, "parties-single").get_attribute("open") is not None
    assert page.find_element(By.ID, "party-anthropic").is_displayed()
    assert not page.find_element(By.ID, "party-microsoft").is_displayed()
    assert not any(d.is_displayed() for d in page.find_elements(By.CSS_SELECTOR, ".dis"))
    box.send_keys(Keys.ESCAPE)
    # the party's name sets the filter to the canonical party: every spelling's claims show
    page.find_element(By.CSS_SELECTOR, '#party-microsoft a[data-filter-party]').click()
    assert box.get_attribute("value") == "microsoft"
    shown = {c.get_attribute("data-claim") for c in page.find_elements(By.CSS_SELECTOR, "li.claim") if c.is_displayed()}
    assert {"a1-l0", "a1-l2", "a2-w0"} <= shown and "a2-l0" not in shown  # "Microsoft Corp." included
    assert page.find_element(By.ID, "dis-microsoft").is_displayed()
    assert not page.find_element(By.ID, "dis-oracle").is_displayed()


def test_parties_view_logs_no_error_and_requests_nothing(parties_page):
    """A failed fetch would show in both logs: a CSP violation in the console, the URL in the
    network log (both checked by hand with an <img src="http://127.0.0.1:9/x.png">)."""
    page = parties_page
    page.find_element(By.CSS_SELECTOR, '#party-oracle a.mk.winner').click()  # use the page a little
    page.find_element(By.ID, "party-filter").send_keys("delivery")
    errors = [e for e in page.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []  # no script error, no CSP violation
    urls = []
    for entry in page.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg["method"] == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    assert parties_page.current_url.split("#")[0] in urls  # the log saw the page's own load...
    assert [u for u in urls if not u.startswith(("file://", "chrome://"))] == []  # ...and nothing else
    assert page.execute_script("return performance.getEntriesByType('resource').length") == 0


def test_parties_view_reads_without_javascript(parties_report):
    d = _driver(javascript=False)
    try:
        d.get(parties_report.as_uri())
        d.execute_script("document.documentElement.style.scrollBehavior = 'auto'")
        assert len(d.find_elements(By.CSS_SELECTOR, "#party-microsoft a.mk")) == 5
        assert d.find_element(By.ID, "dis-microsoft").is_displayed()
        d.find_element(By.CSS_SELECTOR, "#parties-single > summary").click()  # <details> needs no script
        assert d.find_element(By.ID, "party-anthropic").is_displayed()
        ARTIFACTS.mkdir(exist_ok=True)
        d.execute_script("document.getElementById('parties').scrollIntoView()")
        assert d.save_screenshot(str(ARTIFACTS / "report-parties.png"))
    finally:
        d.quit()
