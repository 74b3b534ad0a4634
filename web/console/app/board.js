// The dispatcher's board: every open incident of the area, most severe and oldest first, with each
// department's response; the situation map beside it. Changes arrive pushed (live.js).
import { Component, html, useEffect, useMemo, useRef, useState } from "./ui.js";
import { LEVELS, formatAge, formatTime, t } from "./i18n.js";
import { boardOrder } from "./live.js";
import { LevelBadge, StatusBadge, TrackChip, areaName, incidentText, incidentTitle, may, quorum } from "./parts.js";
import { HeldReleases } from "./releases.js";
import { SituationMap } from "./map.js";

function useMinute() {
  const [minute, setMinute] = useState(Math.floor(Date.now() / 60000));
  useEffect(() => {
    const timer = setInterval(() => setMinute(Math.floor(Date.now() / 60000)), 10000);
    return () => clearInterval(timer);
  }, []);
  return minute;
}

// Rows drawn at first and added at each scroll to the end: a board of a thousand incidents shows the
// most severe and oldest at once, and the browser lays out a table of 150 rows, not of a thousand.
const PAGE_ROWS = 150;

function useMoreOnScroll(onMore) {
  const sentinel = useRef(null);
  useEffect(() => {
    if (!sentinel.current) return undefined;
    const observer = new IntersectionObserver((entries) => entries.some((e) => e.isIntersecting) && onMore(),
      { rootMargin: "400px" });
    observer.observe(sentinel.current);
    return () => observer.disconnect();
  });
  return sentinel;
}

export function BoardPage({ live, directory, geometry, stations, go, flash }) {
  const [level, setLevel] = useState("");
  const [hazard, setHazard] = useState("");
  const [text, setText] = useState("");
  const [shown, setShown] = useState(PAGE_ROWS);
  const minute = useMinute(); // ages move on
  const sentinel = useMoreOnScroll(() => setShown((n) => n + PAGE_ROWS));
  useEffect(() => setShown(PAGE_ROWS), [level, hazard, text]);

  const rows = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return [...live.incidents.values()]
      .filter((i) => !level || i.level === level)
      .filter((i) => !hazard || i.hazard === hazard)
      .filter((i) => !needle || `${i.code} ${i.title} ${i.reason}`.toLowerCase().includes(needle))
      .sort(boardOrder);
  }, [live.incidents, live.version, level, hazard, text]);

  useEffect(() => {
    // When the board first showed incidents, for anyone timing the page (bench/console.py).
    if (rows.length && !performance.getEntriesByName("board-drawn").length) performance.mark("board-drawn");
  });
  const counts = LEVELS.map((l) => [l, [...live.incidents.values()].filter((i) => i.level === l).length]);
  return html`<section class="board-page">
    <div class="board-main">
      <${HeldReleases} live=${live} mayRelease=${may(directory, "release")} flash=${flash} />
      <header class="board-head">
        <h2>${t("openIncidents")} <span class="count">${live.incidents.size}</span></h2>
        <div class="level-counts">${counts.map(([l, n]) => html`<button class=${`chip level-${l} ${level === l ? "on" : ""}`}
          onClick=${() => setLevel(level === l ? "" : l)} aria-pressed=${level === l}><${LevelBadge} level=${l} /> ${n}</button>`)}</div>
        <select aria-label=${t("hazard")} value=${hazard} onChange=${(e) => setHazard(e.target.value)}>
          <option value="">${t("hazard")}: ${t("all")}</option>
          ${directory.hazards.map((h) => html`<option value=${h}>${t(`hazard_${h}`)}</option>`)}
        </select>
        <input type="search" placeholder=${t("search")} value=${text} onInput=${(e) => setText(e.target.value)} />
      </header>
      <table class="board" data-testid="board">
        <colgroup><col class="c-level" /><col class="c-code" /><col class="c-title" /><col class="c-area" />
          <col class="c-causes" /><col class="c-age" /><col class="c-tracks" /><col class="c-quorum" /><col class="c-status" /></colgroup>
        <thead><tr>
          <th>${t("level")}</th><th>${t("code")}</th><th>${t("title")}</th><th>${t("area")}</th>
          <th>${t("causes")}</th><th>${t("age")}</th><th>${t("tracks")}</th><th>${t("quorum")}</th><th>${t("status")}</th>
        </tr></thead>
        <tbody>
          ${rows.length === 0 ? html`<tr><td colspan="9" class="empty">${t("none")}</td></tr>` : null}
          ${rows.slice(0, shown).map((incident) => html`<${BoardRow} key=${incident.code} incident=${incident}
            directory=${directory} seq=${live.seqOf.get(incident.code) || 0} minute=${minute} go=${go} />`)}
        </tbody>
        ${rows.length > shown ? html`<tfoot><tr ref=${sentinel}><td colspan="9" class="more">
          ${shown} / ${rows.length} …</td></tr></tfoot>` : null}
      </table>
    </div>
    <aside class="board-map">
      <${SituationMap} geometry=${geometry} stations=${stations} incidents=${rows}
        onOpen=${(code) => go(`#/incident/${code}`)} />
    </aside>
  </section>`;
}

// A row is drawn again only when its incident, its last decision or the minute changed: a decision
// about one incident of a thousand redraws one row.
class BoardRow extends Component {
  shouldComponentUpdate(next) {
    const now = this.props;
    return next.incident !== now.incident || next.seq !== now.seq || next.minute !== now.minute
      || next.directory !== now.directory;
  }

  render(props) {
    return boardRow(props);
  }
}

function boardRow({ incident, directory, seq, go }) {
  const causes = incident.causes || [];
  const open = () => go(`#/incident/${incident.code}`);
  return html`<tr class=${`row level-row-${incident.level} status-row-${incident.status}`} data-code=${incident.code}
      data-seq=${seq} data-status=${incident.status} data-level=${incident.level} onClick=${open} tabindex="0"
      onKeyDown=${(e) => e.key === "Enter" && open()}>
    <td><${LevelBadge} level=${incident.level} /></td>
    <td class="code"><a href=${`#/incident/${incident.code}`}>${incident.code}</a></td>
    <td class="title"><div>${incident.exercise ? html`<span class="drill">${t("drill")}</span> ` : null}${incidentTitle(directory, incident)}</div>
      <small>${t(`hazard_${incident.hazard}`)} · ${incidentText(incident)}</small></td>
    <td>${areaName(directory, incident.area)}</td>
    <td class="causes" title=${causes.map((c) => `${c.title} (${t(`level_${c.level}`)})`).join("\n")}>${causes.length}</td>
    <td title=${formatTime(incident.opened_at)}>${formatAge(incident.opened_at)}</td>
    <td class="tracks">${(incident.escalations || []).map((track) => html`<${TrackChip} track=${track} directory=${directory} />`)}
      ${incident.silenced ? html`<span class="silenced" title=${incident.silenced}>🔕 ${t("silenced")}</span>` : null}</td>
    <td>${quorum(incident) || "–"}</td>
    <td><${StatusBadge} status=${incident.status} /></td>
  </tr>`;
}
