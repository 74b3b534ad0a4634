"""The console in Chromium with a command centre's board: 1,000 open incidents (each with its track,
pages and causes, opened by hand through the engine). Measured in the browser:

- time to first render: from navigation to the board showing every row (the page loaded again with
  its session), and the page's JavaScript heap and DOM nodes after a garbage collection;
  (the incidents are a drill's with an empty roster: their pages are blocked, not sent);
- with 20 decisions a second (notes on the incidents whose rows are drawn, round-robin, for `--seconds`;
  every incident's row is kept current in the page's model, and drawn as one scrolls): the time from the
  decision's commit to its row changing in the page (p50, p99): the commit time is taken when the
  engine's call returns, the change by a MutationObserver on the row, both on this machine's clock.

Baseline in the same run: the same page with no incident (first render and heap).

Prints one JSON object on its last line. Run: .venv/bin/python bench/console.py [--seconds 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from warning.access import Principal, Role  # noqa: E402
from warning.app import Runtime, Settings, build_accounts, build_runtime, start_live_timer  # noqa: E402
from warning.clock import SystemClock  # noqa: E402
from warning.domain import Level  # noqa: E402
from warning.incidents.requests import NewIncident, Note, ReportSource  # noqa: E402

INCIDENTS = 1_000
SHOWN = 150  # rows the board draws before one scrolls
RATE = 20  # decisions a second
PASSWORD = "bench console password"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
BENCH = Principal(user="bench", name="Bench", role=Role.administrator, area="370000")
LEVELS = [Level.blue, Level.yellow, Level.orange, Level.red]
# Records when each row's decision number changes, by the page's own clock (Date.now: the wall clock).
OBSERVE = """() => {
  window.rowChanges = [];
  window.arrivals = [];  // the same decisions on a stream of the bench's own: how long the server took
  const stream = new EventSource('/api/stream');
  stream.addEventListener('decision', (m) => window.arrivals.push([JSON.parse(m.data).incident, Date.now()]));
  new MutationObserver((mutations) => {
    const now = Date.now();
    for (const m of mutations) window.rowChanges.push([m.target.dataset.code, now]);
  }).observe(document.querySelector('table.board tbody'),
             {attributes: true, subtree: true, attributeFilter: ['data-seq']});
}"""


def runtime_with(folder: Path) -> Runtime:
    settings = Settings(provider="simulator", database_url=f"sqlite:///{folder / 'console.db'}",
                        rules=(ROOT / "rules" / "flood.yaml",), organisation=ROOT / "org" / "jinan.yaml",
                        sqlite_synchronous="normal")  # fmt: skip
    # A drill with an empty roster: every page is claimed and blocked at once, so the rows carry their
    # tracks and pages while the engine does not spend the run working a thousand pages to one officer
    # through the carrier budget (which is the dispatcher's load, not the console's).
    runtime = build_runtime(settings, SystemClock(), exercise=True, drill_roster=[])
    start_live_timer(runtime)
    build_accounts(runtime.store, runtime.engine).add_user("desk", Role.dispatcher, "370100", full_name="Desk",
                                                           password=PASSWORD)  # fmt: skip
    return runtime


def open_incidents(runtime: Runtime, count: int) -> list[str]:
    def report(i: int) -> NewIncident:
        return NewIncident(
            hazard="flood",
            level=LEVELS[i % 4],
            area="370102",
            title=f"Waterlogging report {i}",
            description=f"Caller {i} reports water over the road",
            source=ReportSource.hotline_12345,
        )

    return [runtime.engine.create_incident(BENCH, report(i)) for i in range(count)]


def first_render(page: Page, rows: int) -> dict[str, float]:
    """Load the page again (signed in already) and time it until the board shows its first `rows` rows
    (the board draws 150 and more as one scrolls: PAGE_ROWS in web/console/app/board.js)."""
    page.reload()
    page.wait_for_function("(rows) => document.querySelectorAll('table.board tr[data-code]').length >= rows",
                           arg=rows, timeout=120_000)  # fmt: skip
    drawn = page.evaluate("performance.getEntriesByName('board-drawn').map((mark) => mark.startTime)")
    shown = float(drawn[0]) if drawn else float(page.evaluate("performance.now()"))  # an empty board: now
    page.wait_for_selector("[data-testid=connection][data-state=live]", timeout=30_000)
    live = float(page.evaluate("performance.now()"))
    print(f"rows at {shown:.0f} ms, live at {live:.0f} ms", file=sys.stderr)
    requests = page.evaluate("""() => performance.getEntriesByType('resource').filter((e) => e.name.includes('/api/'))
        .map((e) => [e.name.split('/api/')[1].slice(0, 30), Math.round(e.startTime), Math.round(e.responseEnd)])""")
    print(f"API requests (what, start, end ms): {requests}", file=sys.stderr)
    cdp = page.context.new_cdp_session(page)
    cdp.send("HeapProfiler.collectGarbage")
    cdp.send("Performance.enable")
    metrics = {m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]}
    return {"ms": round(shown, 1), "heap_mb": round(metrics["JSHeapUsedSize"] / 1e6, 1), "nodes": metrics["Nodes"]}


def push_decisions(runtime: Runtime, codes: list[str], seconds: float) -> list[tuple[str, float]]:
    """Notes at RATE a second, round-robin over the incidents; (code, commit time in ms) of each."""
    committed: list[tuple[str, float]] = []
    start = time.monotonic()
    for i in range(int(seconds * RATE)):
        time.sleep(max(0.0, start + i / RATE - time.monotonic()))
        code = codes[i % len(codes)]
        runtime.engine.note(BENCH, code, Note(text=f"bench note {i}"))
        committed.append((code, time.time() * 1000))
    return committed


def latencies(committed: list[tuple[str, float]], changes: list[list[Any]]) -> tuple[list[float], int]:
    """Each commit's delay to the first change of its row after it; how many never showed."""
    by_code: dict[str, list[float]] = {}
    for code, at in changes:
        by_code.setdefault(code, []).append(at)
    delays, missed = [], 0
    for code, at in committed:
        later = [change for change in by_code.get(code, []) if change >= at - 5]  # 5 ms: clock reads, not causality
        if later:
            delays.append(max(0.0, later[0] - at))
        else:
            missed += 1
    return delays, missed


def sign_in(page: Page, url: str) -> None:
    page.goto(f"{url}/console")
    page.fill("input[name=user]", "desk")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=connection][data-state=live]", timeout=30_000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=30.0, help="how long decisions are pushed")
    parser.add_argument("--incidents", type=int, default=INCIDENTS)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-console-") as folder, sync_playwright() as playwright:
        runtime = runtime_with(Path(folder))
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            assert runtime.api is not None
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            sign_in(page, runtime.api.url)
            empty = first_render(page, 0)
            print(f"empty board: {empty}", file=sys.stderr)
            started = time.perf_counter()
            codes = open_incidents(runtime, args.incidents)
            print(f"{len(codes)} incidents opened in {time.perf_counter() - started:.1f} s", file=sys.stderr)
            full = first_render(page, min(len(codes), SHOWN))
            print(f"board of {len(codes)}: {full}", file=sys.stderr)
            page.evaluate(OBSERVE)
            total = page.evaluate("document.querySelector('.board-head .count').textContent")
            assert int(total) == len(codes), f"the board counts {total} open incidents"
            shown = page.evaluate(
                "[...document.querySelectorAll('table.board tr[data-code]')].map((r) => r.dataset.code)"
            )
            pusher: list[list[tuple[str, float]]] = []
            thread = threading.Thread(target=lambda: pusher.append(push_decisions(runtime, shown, args.seconds)))
            thread.start()
            thread.join()
            time.sleep(2)  # the last decisions' way to the page
            changes = page.evaluate("window.rowChanges")
            delays, missed = latencies(pusher[0], changes)
            arrived, _ = latencies(pusher[0], page.evaluate("window.arrivals"))
            arrival_cuts = statistics.quantiles(arrived, n=100) if len(arrived) >= 2 else [float("nan")] * 99
            cuts = statistics.quantiles(delays, n=100) if len(delays) >= 2 else [float("nan")] * 99
            after = first_render(page, min(len(codes), SHOWN))
        finally:
            browser.close()
            runtime.close()
    result = {
        "open_incidents": len(codes), "first_render_ms": full["ms"], "js_heap_mb": full["heap_mb"],
        "dom_nodes": full["nodes"], "baseline_first_render_ms": empty["ms"], "baseline_js_heap_mb": empty["heap_mb"],
        "decisions_per_s": RATE, "decisions": len(pusher[0]), "commit_to_row_p50_ms": round(cuts[49], 1),
        "commit_to_row_p99_ms": round(cuts[98], 1), "commit_to_row_max_ms": round(max(delays), 1) if delays else None,
        "rows_never_changed": missed, "commit_to_stream_p50_ms": round(arrival_cuts[49], 1),
        "commit_to_stream_p99_ms": round(arrival_cuts[98], 1), "first_render_after_ms": after["ms"],
    }  # fmt: skip
    print(json.dumps(result))


if __name__ == "__main__":
    main()
