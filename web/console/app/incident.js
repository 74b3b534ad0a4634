// One incident: what it is, every cause with its evidence, each department's response and the pages,
// the readings around it as a chart, the timeline, and the hand actions the caller's role may take.
import { html, useEffect, useState } from "./ui.js";
import { currentLanguage, formatTime, t } from "./i18n.js";
import { get } from "./api.js";
import { ReadingsChart } from "./chart.js";
import { ActionButtons, ActionDialog } from "./actions.js";
import { LevelBadge, StatusBadge, TrackChip, areaName, departmentName, incidentText, incidentTitle, personName, quorum } from "./parts.js";

function Evidence({ cause, directory }) {
  return html`<li class=${`cause ${cause.standing ? "standing" : "cleared"}`}>
    <${LevelBadge} level=${cause.level} /> <b>${incidentTitle(directory, cause)}</b>
    <div class="muted">${cause.rule} · ${cause.station} · ${formatTime(cause.opened_at)}
      ${cause.cleared_at ? ` → ${formatTime(cause.cleared_at)}` : ""}</div>
    <div>${cause.said?.[currentLanguage()] || cause.reason}</div>
  </li>`;
}

export function IncidentPage({ code, live, directory, principal, flash }) {
  const [detail, setDetail] = useState(null);
  const [timeline, setTimeline] = useState([]);
  const [readings, setReadings] = useState(null);
  const [error, setError] = useState("");
  const [dialog, setDialog] = useState(null);
  const language = currentLanguage();

  async function load() {
    try {
      const [d, tl] = await Promise.all([
        get(`/api/incidents/${code}?language=${language}`),
        get(`/api/incidents/${code}/timeline?language=${language}`),
      ]);
      setDetail(d);
      setTimeline(tl);
    } catch (refused) {
      setError(refused.message);
    }
  }

  useEffect(() => {
    load();
    get(`/api/incidents/${code}/readings`).then(setReadings).catch(() => setReadings({ stations: [] }));
    // A decision about this incident: read it again (the stream carries the decision, not the views).
    return live.onDecision((decision) => {
      if (decision.incident === code) load();
    });
  }, [code, language]);

  if (error) return html`<p class="error" role="alert">${error}</p>`;
  if (!detail) return html`<p class="loading">${t("loading")}</p>`;
  const incident = detail.incident;
  const series = readings ? readings.stations.filter((s) => s.readings.length) : [];
  return html`<section class="incident-page" data-code=${incident.code} data-status=${incident.status}>
    <header class=${`incident-head level-row-${incident.level}`}>
      <a href="#/board" class="back">← ${t("back")}</a>
      <h2><${LevelBadge} level=${incident.level} /> ${incident.code} · ${incidentTitle(directory, incident)}</h2>
      <div class="facts">
        <${StatusBadge} status=${incident.status} />
        <span>${t(`hazard_${incident.hazard}`)}</span>
        <span>${areaName(directory, incident.area)}</span>
        <span>${t("opened")} ${formatTime(incident.opened_at)}</span>
        ${quorum(incident) ? html`<span>${t("quorum")} ${quorum(incident)}</span>` : null}
        ${incident.silenced ? html`<span class="silenced">🔕 ${incident.silenced}</span>` : null}
        ${incident.exercise ? html`<span class="drill">${t("drill")}</span>` : null}
      </div>
      <p>${incidentText(incident)}</p>
      ${incident.content?.cap?.instruction?.[currentLanguage()] ? html`<p class="instruction">${incident.content.cap.instruction[currentLanguage()]}</p>` : null}
      ${incident.report ? html`<p class="report">${incident.report.description}
        ${incident.report.callback ? html` · ${t("callback")} ${incident.report.callback}` : null}</p>` : null}
      <${ActionButtons} incident=${incident} directory=${directory} principal=${principal} open=${setDialog} />
    </header>
    <div class="incident-grid">
      <div class="panel">
        <h3>${t("readings")}</h3>
        ${readings === null ? html`<p class="muted">${t("loading")}</p>`
          : series.length ? html`<${ReadingsChart} series=${series} openedAt=${incident.opened_at} liftedAt=${incident.lifted_at} />`
          : html`<p class="muted">${t("none")}</p>`}
        <h3>${t("causes")} · ${t("evidence")}</h3>
        <ul class="causes">${detail.causes.map((cause) => html`<${Evidence} cause=${cause} directory=${directory} />`)}</ul>
        <h3>${t("tracks")}</h3>
        <div class="tracks">${(incident.escalations || []).map((track) => html`<${TrackChip} track=${track} directory=${directory} />`)}</div>
        <h3>${t("pages")}</h3>
        <table class="pages"><thead><tr><th>${t("person")}</th><th>${t("department")}</th><th>${t("channel")}</th>
          <th>${t("status")}</th><th></th></tr></thead>
          <tbody>${detail.pages.map((page) => html`<tr><td>${directory.peopleById.has(page.person) ? personName(directory, page.person) : page.person_name}</td>
            <td>${departmentName(directory, page.department)}</td><td>${t(`channel_${page.channel}`)}</td>
            <td>${t(`page_${page.provider_status || page.status}`)}</td><td>${formatTime(page.claimed_at)}</td></tr>`)}</tbody></table>
      </div>
      <div class="panel">
        <h3>${t("timeline")}</h3>
        <ol class="timeline" data-testid="timeline">
          ${timeline.map((entry) => html`<li class=${`kind-${entry.kind}`} data-kind=${entry.kind}>
            <time>${formatTime(entry.at)}</time><span>${entry.summary}</span></li>`)}
        </ol>
      </div>
    </div>
    ${dialog ? html`<${ActionDialog} action=${dialog} incident=${incident} directory=${directory} principal=${principal}
      onClose=${() => setDialog(null)} onDone=${(message) => { setDialog(null); flash(message); load(); }} />` : null}
  </section>`;
}
