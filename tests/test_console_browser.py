"""The console in a real browser: Debian's Chromium driven by Playwright, against a live engine (wall
clock, the decision stream, the Twilio simulator). A dispatcher watches a warning arrive without a
reload, opens it, sees the chart and the timeline, acknowledges on an officer's behalf; a duty officer
signed in elsewhere, on a phone-sized screen, sees it leave their list; a planner sees no action and a
request forged from their session is refused; a hotline report is opened from the form.

Screenshots of the board and the incident page are left in var/test-artefacts/."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import ROOT
from warning.access import Role
from warning.app import Runtime, Settings, build_accounts, build_runtime, start_live_timer
from warning.clock import SystemClock
from warning.serving import BackgroundServer

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As root on a machine with no network beyond loopback: no sandbox, and no calls home at start.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]  # fmt: skip
ARTEFACTS = ROOT / "var" / "test-artefacts"
PASSWORD = "correct horse battery"
PUSHED_WITHIN = 5_000  # ms; the board must change this soon after a decision, without a reload


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is not installed (.ci/run installs it: apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture
def live(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Runtime]:
    organisation = ROOT / "org" / "jinan.yaml"
    if request.node.get_closest_marker("release_approval"):
        organisation = tmp_path / "org.yaml"
        text = (ROOT / "org" / "jinan.yaml").read_text(encoding="utf-8")
        organisation.write_text(f"release_approval_from: orange\n{text}", encoding="utf-8")
    settings = Settings(provider="simulator", database_url=f"sqlite:///{tmp_path / 'console.db'}",
                        rules=(ROOT / "rules" / "flood.yaml",), organisation=organisation)  # fmt: skip
    runtime = build_runtime(settings, SystemClock())
    start_live_timer(runtime)
    accounts = build_accounts(runtime.store, runtime.engine)
    accounts.add_user("zhang", Role.dispatcher, "370100", full_name="Zhang Hua", password=PASSWORD)
    accounts.add_user("wang", Role.duty_officer, "370102", full_name="Wang Wei", person="wang-wei", password=PASSWORD)
    accounts.add_user("qi", Role.planner, "370100", full_name="Planner Qi", password=PASSWORD)
    try:
        yield runtime
    finally:
        runtime.close()


def _reading(value: float) -> dict[str, Any]:
    return {"sensor_id": "HY-370102-01", "kind": "water_level", "value": value, "unit": "m",
            "observed_at": datetime.now(UTC).isoformat()}  # fmt: skip


class SignIn(Protocol):
    def __call__(self, user: str, **context: Any) -> Page: ...


@pytest.fixture
def sign_in(browser: Browser, live: Runtime) -> Iterator[SignIn]:
    """A page of a browser context of its own, signed in as `user` and live; closed before the engine
    stops (an open decision stream would hold the server's shutdown for its grace period)."""
    contexts: list[BrowserContext] = []

    def signed_in(user: str, **context: Any) -> Page:
        assert live.api is not None
        contexts.append(browser.new_context(**context))
        page = contexts[-1].new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live.api.url}/console")
        page.fill("input[name=user]", user)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        expect(page.get_by_test_id("connection")).to_have_attribute("data-state", "live")
        page.evaluate("window.loadedOnce = true")  # gone if the page ever reloads
        assert errors == []
        return page

    try:
        yield signed_in
    finally:
        for context in contexts:
            context.close()


def _shot(page: Page, name: str) -> None:
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / name))


def test_a_warning_arrives_is_acknowledged_on_behalf_and_leaves_the_officer_s_list(
    sign_in: SignIn, live: Runtime
) -> None:
    dispatcher = sign_in("zhang", viewport={"width": 1500, "height": 900}, locale="zh-CN")
    officer = sign_in("wang", viewport={"width": 390, "height": 844}, is_mobile=True,
                         has_touch=True)  # fmt: skip
    expect(dispatcher.locator("table.board td.empty")).to_be_visible()

    live.engine.ingest_payload(_reading(3.62), "test")  # crosses the warning stage: F0001, yellow
    row = dispatcher.locator("tr[data-code=F0001]")
    expect(row).to_be_visible(timeout=PUSHED_WITHIN)
    expect(row).to_have_attribute("data-level", "yellow")
    expect(row).to_contain_text("黄色 III级")  # the level by name, not by colour alone
    expect(row.locator(".track")).to_contain_text("王伟")  # who the track paged, named in the reader's language
    card = officer.locator("article.duty-card[data-code=F0001]")
    expect(card).to_be_visible(timeout=PUSHED_WITHIN)  # on the officer's phone too

    live.engine.ingest_payload(_reading(4.31), "test")  # over the guaranteed stage: orange, three departments
    expect(row).to_have_attribute("data-level", "orange", timeout=PUSHED_WITHIN)
    expect(row).to_contain_text("0/3")  # quorum: none of the three departments has acknowledged yet
    _shot(dispatcher, "console-board.png")
    assert dispatcher.evaluate("window.loadedOnce") is True  # all of it pushed, no reload

    row.click()
    expect(dispatcher.get_by_test_id("readings-chart").locator("canvas")).to_have_count(1)
    timeline = dispatcher.get_by_test_id("timeline")
    expect(timeline.locator("li[data-kind=incident_opened]")).to_have_count(1)
    expect(timeline.locator("li[data-kind=incident_upgraded]")).to_have_count(1)
    _shot(dispatcher, "console-incident.png")

    dispatcher.click("button[data-action=ackFor]")
    dialog = dispatcher.get_by_test_id("action-dialog")
    dialog.locator("select[name=person]").select_option("wang-wei")
    dialog.locator("input[name=note]").fill("by phone")
    expect(dialog.get_by_test_id("preview")).to_contain_text("王伟")  # what will be recorded, before it is
    dialog.locator("button[type=submit]").click()
    expect(dispatcher.get_by_test_id("flash")).to_contain_text("acknowledged for Wang Wei")
    expect(timeline.locator("li[data-kind=quorum_progressed]")).to_have_count(1, timeout=PUSHED_WITHIN)

    dispatcher.click("a[href='#/board']")
    expect(row).to_contain_text("1/3")  # the board moved on: one of three departments
    expect(card).to_have_count(0, timeout=PUSHED_WITHIN)  # the officer's department no longer waits
    assert officer.evaluate("window.loadedOnce") is True


@pytest.mark.release_approval
def test_a_dispatcher_releases_an_orange_warning_to_the_public(sign_in: SignIn, live: Runtime) -> None:
    dispatcher = sign_in("zhang", viewport={"width": 1500, "height": 900}, locale="zh-CN")
    planner = sign_in("qi", viewport={"width": 1500, "height": 900}, locale="zh-CN")
    live.engine.ingest_payload(_reading(4.31), "test")  # orange at once: its Alert waits for a dispatcher
    panel = dispatcher.get_by_test_id("held-releases")
    expect(panel).to_be_visible(timeout=PUSHED_WITHIN)
    expect(panel).to_contain_text("F0001")
    expect(panel).to_contain_text("首发")
    expect(planner.get_by_test_id("held-releases").locator("button")).to_have_count(0)  # sees it, may not release
    expect(panel).to_contain_text("洪水预警")  # what the public will read
    expect(dispatcher.locator("tr[data-code=F0001]")).to_be_visible(timeout=PUSHED_WITHIN)
    _shot(dispatcher, "console-release.png")
    panel.locator("button").click()
    expect(dispatcher.get_by_test_id("flash")).to_contain_text("已对外发布")
    expect(panel).to_have_count(0, timeout=PUSHED_WITHIN)
    expect(planner.get_by_test_id("held-releases")).to_have_count(0, timeout=PUSHED_WITHIN)
    with live.store.transaction() as tx:
        (released,) = tx.published_alerts()
    assert released.released_by == "zhang"


def test_a_duty_officer_acknowledges_with_one_tap_on_a_phone(sign_in: SignIn, live: Runtime) -> None:
    officer = sign_in("wang", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    live.engine.ingest_payload(_reading(3.62), "test")
    card = officer.locator("article.duty-card[data-code=F0001]")
    expect(card).to_be_visible(timeout=PUSHED_WITHIN)
    width = officer.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page is {width} px wide on a 390 px phone"
    officer.evaluate("location.hash = '#/incident/F0001'")  # the incident page offers what a duty officer may do
    actions = officer.get_by_test_id("actions")
    expect(actions.locator("button[data-action=acknowledge]")).to_be_visible()
    expect(actions.locator("button[data-action=handover]")).to_be_visible()
    expect(actions.locator("button[data-action=escalate]")).to_be_visible()
    expect(actions.locator("button[data-action=lift]")).to_have_count(0)  # lifting is a dispatcher's
    officer.evaluate("location.hash = '#/duty'")
    card.locator("button[data-action=acknowledge]").tap()
    expect(card).to_have_count(0, timeout=PUSHED_WITHIN)
    assert live.store.incidents()[0].acknowledged_by == "wang-wei"


def test_a_planner_sees_no_action_and_a_forged_one_is_refused(sign_in: SignIn, live: Runtime) -> None:
    live.engine.ingest_payload(_reading(3.62), "test")
    planner = sign_in("qi", viewport={"width": 1400, "height": 900})
    expect(planner.get_by_test_id("rules").locator("tr[data-rule=river-stage]")).to_be_visible()
    expect(planner.get_by_test_id("stations").locator("tr[data-station=HY-370102-01]")).to_contain_text("3.62")
    planner.evaluate("location.hash = '#/incident/F0001'")
    expect(planner.get_by_test_id("timeline").locator("li").first).to_be_visible()
    expect(planner.get_by_test_id("actions")).to_have_count(0)
    expect(planner.locator(".read-only")).to_be_visible()
    expect(planner.locator("nav a[href='#/create']")).to_have_count(0)
    # The same request the dispatcher's button sends, forged from the planner's session with its CSRF token.
    forged = planner.evaluate("""async () => {
        const session = await (await fetch('/api/session')).json();
        const answer = await fetch('/api/incidents/F0001/ack-for', {method: 'POST',
            headers: {'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token},
            body: JSON.stringify({person: 'wang-wei'})});
        const bare = await fetch('/api/incidents/F0001/lift', {method: 'POST',
            headers: {'Content-Type': 'application/json'}, body: JSON.stringify({reason: 'x'})});
        return [answer.status, (await answer.json()).error, bare.status];
    }""")
    assert forged[0] == 403 and "planner" in forged[1], forged
    assert forged[2] == 403  # without the CSRF token: refused before the role is even asked
    assert live.store.incidents()[0].status == "open"


def test_a_hotline_report_is_opened_from_the_form(sign_in: SignIn, live: Runtime) -> None:
    dispatcher = sign_in("zhang", viewport={"width": 1400, "height": 900})
    dispatcher.click("nav a[href='#/create']")
    form = dispatcher.get_by_test_id("create-form")
    form.locator("select[name=level]").select_option("orange")
    form.locator("select[name=area]").select_option("370102")
    form.locator("input[name=title]").fill("Water over the road at Heihu Spring")
    form.locator("textarea[name=description]").fill("A caller reports knee-deep water, rising.")
    form.locator("input[name=callback]").fill("+8613900000000")
    expect(form.get_by_test_id("preview")).to_contain_text("王伟")  # whom it will page, before it does
    form.locator("button[type=submit]").click()
    expect(dispatcher.locator("section.incident-page")).to_have_attribute("data-code", "F0001")
    expect(dispatcher.get_by_test_id("timeline").locator("li[data-kind=incident_created]")).to_have_count(1)
    (incident,) = live.store.incidents()
    assert (incident.level, incident.created_by, incident.area) == ("orange", "zhang", "370102")


def test_the_board_shows_a_lost_connection_and_catches_up_when_it_returns(sign_in: SignIn, live: Runtime) -> None:
    dispatcher = sign_in("zhang", viewport={"width": 1400, "height": 900})
    connection = dispatcher.get_by_test_id("connection")
    assert live.api is not None
    served, port = live.api.app, live.api.port
    live.api.stop()  # the engine's HTTP side goes away (a restart, a network cut)
    expect(connection).to_have_attribute("data-state", "disconnected", timeout=10_000)
    live.engine.ingest_payload(_reading(3.62), "test")  # decided while the console cannot hear
    live.api = BackgroundServer(port=port).start(served)
    expect(connection).to_have_attribute("data-state", "live", timeout=15_000)  # reconnected by itself
    expect(dispatcher.locator("tr[data-code=F0001]")).to_be_visible(timeout=PUSHED_WITHIN)  # and nothing missed
    assert dispatcher.evaluate("window.loadedOnce") is True
