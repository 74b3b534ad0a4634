"""The README's pictures of the console, taken from the demonstration (`warning console --demo`): the
built-in scenario played live on a fast clock, with a hotline report beside it, in Debian's chromium;
and of the after-action report of the flood drill's variant that misses an expectation.

Run: .venv/bin/python docs/screenshots.py [--report]   (about two minutes; writes docs/console-*.png and
docs/drill-report*.png; with --report only the report's)
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warning.access import Principal, Role  # noqa: E402
from warning.drills.rehearsal import DEMO_USERS, Rehearsal  # noqa: E402
from warning.incidents.requests import NewIncident, ReportSource  # noqa: E402

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
PASSWORDS = {user.name: user.password for user in DEMO_USERS}


def signed_in(page: Page, url: str, user: str) -> Page:
    page.goto(f"{url}/console")
    page.fill("input[name=user]", user)
    page.fill("input[name=password]", PASSWORDS[user])
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=connection][data-state=live]")
    return page


def report_pictures(browser: Browser, folder: Path) -> None:
    from warning.drills.aar import build_report
    from warning.drills.runner import run_drill

    html = folder / "report.html"
    html.write_text(
        build_report(run_drill(ROOT / "scenarios" / "flood-drill-deputy-away.yaml"), "en"), encoding="utf-8"
    )
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto(html.as_uri())
    page.screenshot(path=str(ROOT / "docs" / "drill-report.png"), clip={"x": 0, "y": 0, "width": 1100, "height": 1150})
    top = page.evaluate("document.querySelectorAll('h2')[4].getBoundingClientRect().top + window.scrollY")
    page.screenshot(path=str(ROOT / "docs" / "drill-report-charts.png"), full_page=True,
                    clip={"x": 0, "y": top - 10, "width": 1100, "height": 1500})  # fmt: skip


def main() -> None:
    if "--report" in sys.argv:
        with tempfile.TemporaryDirectory(prefix="screenshots-") as folder, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            report_pictures(browser, Path(folder))
            browser.close()
        return
    with tempfile.TemporaryDirectory(prefix="screenshots-") as folder, sync_playwright() as playwright:
        rehearsal = Rehearsal(ROOT / "scenarios" / "riverside-flood.yaml", f"sqlite:///{folder}/demo.db", speed=60,
                              port=0, epoch=datetime.now(UTC))  # fmt: skip
        rehearsal.start()
        desk = Principal(user="dispatcher", name="Jinan dispatcher", role=Role.dispatcher, area="370100")
        rehearsal.runtime.engine.create_incident(desk, NewIncident(
            hazard="flood", level="blue", area="370103", title="积水漫过人行道（趵突泉南路）",
            description="市民来电：趵突泉南路积水约20厘米，正在上涨。", source=ReportSource.hotline_12345,
            callback="+8613900000000",
        ))  # fmt: skip
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            time.sleep(68)  # 68 scenario minutes: the river over the warning stage, the district officer paged
            phone = browser.new_page(viewport={"width": 390, "height": 780}, is_mobile=True, has_touch=True)
            signed_in(phone, rehearsal.url, "wang-wei").wait_for_selector("article.duty-card")
            phone.screenshot(path=str(ROOT / "docs" / "console-duty.png"))
            time.sleep(32)  # 100 minutes: over the guaranteed stage, three departments engaged and answering
            board = signed_in(browser.new_page(viewport={"width": 1500, "height": 820}), rehearsal.url, "dispatcher")
            board.wait_for_selector("tr[data-code=F0001]")
            time.sleep(1)
            board.screenshot(path=str(ROOT / "docs" / "console-board.png"))
            board.click("tr.row[data-level=orange]")  # the river's
            board.wait_for_selector("[data-testid=readings-chart] canvas")
            time.sleep(1)
            board.screenshot(path=str(ROOT / "docs" / "console-incident.png"))
            report_pictures(browser, Path(folder))
        finally:
            browser.close()
            rehearsal.close()


if __name__ == "__main__":
    main()
