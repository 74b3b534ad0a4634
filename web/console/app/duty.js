// The duty officer's view, made for a phone: what waits for my department's acknowledgement, one tap
// to acknowledge, and hand-over to a colleague.
import { html, useState } from "./ui.js";
import { formatAge, t } from "./i18n.js";
import { post } from "./api.js";
import { LevelBadge, TrackChip, areaName, incidentText, incidentTitle } from "./parts.js";
import { boardOrder } from "./live.js";

export function DutyPage({ live, directory, principal, flash }) {
  const [handing, setHanding] = useState(null);
  const [error, setError] = useState("");
  const mine = principal.department;
  const waiting = [...live.incidents.values()]
    .filter((incident) => (incident.escalations || []).some((track) => track.department === mine
      && (track.state === "active" || track.state === "exhausted")))
    .sort(boardOrder);
  const colleagues = directory.people.filter((p) => p.department === mine && p.id !== principal.person);

  async function act(path, body, done) {
    setError("");
    try {
      const answer = await post(path, body);
      flash(answer.message);
      done && done();
    } catch (refused) {
      setError(refused.message);
    }
  }

  return html`<section class="duty-page">
    <h2>${t("awaiting")} <span class="count">${waiting.length}</span></h2>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    ${waiting.length === 0 ? html`<p class="empty">${t("nothingAwaiting")}</p>` : null}
    ${waiting.map((incident) => html`<article class=${`duty-card level-row-${incident.level}`} data-code=${incident.code}>
      <header><${LevelBadge} level=${incident.level} /> <a href=${`#/incident/${incident.code}`}>${incident.code}</a>
        <span class="muted">${formatAge(incident.opened_at)}</span></header>
      <h3>${incidentTitle(directory, incident)}</h3>
      <p>${areaName(directory, incident.area)} · ${incidentText(incident)}</p>
      <div class="tracks">${incident.escalations.map((track) => html`<${TrackChip} track=${track} directory=${directory} />`)}</div>
      <div class="duty-buttons">
        <button class="primary big" data-action="acknowledge"
          onClick=${() => act(`/api/incidents/${incident.code}/ack`, {})}>${t("acknowledge")}</button>
        <button class="big" data-action="handover" onClick=${() => setHanding(handing === incident.code ? null : incident.code)}>
          ${t("handover")}</button>
      </div>
      ${handing === incident.code ? html`<div class="handover">${colleagues.map((p) => html`<button
        onClick=${() => act(`/api/incidents/${incident.code}/handover`, { to: p.id }, () => setHanding(null))}>
        ${t("handoverTo")} ${p.name}</button>`)}</div>` : null}
    </article>`)}
  </section>`;
}
