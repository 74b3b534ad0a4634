// The planner's view (read only): rules in force and how often they fired lately, the feeds' health
// (each station's last reading) and the dead letters with their reasons.
import { html, useEffect, useState } from "./ui.js";
import { currentLanguage, formatTime, t } from "./i18n.js";
import { get } from "./api.js";
import { LevelBadge, areaName } from "./parts.js";

export function PlannerPage({ directory, live }) {
  const [rules, setRules] = useState([]);
  const [stations, setStations] = useState([]);
  const [dead, setDead] = useState([]);
  const [error, setError] = useState("");
  const zh = currentLanguage() === "zh-CN";

  async function load() {
    try {
      const [r, s, d] = await Promise.all([get("/api/rules"), get("/api/stations"), get("/api/dead-letters?limit=50")]);
      setRules(r);
      setStations(s);
      setDead(d);
    } catch (refused) {
      setError(refused.message);
    }
  }

  useEffect(() => {
    load();
    let timer = null;
    const off = live.onDecision(() => {
      if (timer === null) timer = setTimeout(() => { timer = null; load(); }, 1000);
    });
    return () => { off(); clearTimeout(timer); };
  }, []);

  return html`<section class="planner-page">
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="panel">
      <h2>${t("rules")}</h2>
      <table data-testid="rules"><thead><tr><th>${t("code")}</th><th>${t("title")}</th><th>${t("hazard")}</th>
        <th>${t("stations")}</th><th>${t("firings")}</th><th>${t("lastFired")}</th><th>${t("standing")}</th></tr></thead>
        <tbody>${rules.map((rule) => html`<tr data-rule=${rule.id}>
          <td><code>${rule.id}</code> <small class="muted">${rule.version}</small>${rule.compound ? html` <span class="chip">${t("compound")}</span>` : null}</td>
          <td>${zh && rule.title_zh ? rule.title_zh : rule.title}</td><td>${t(`hazard_${rule.hazard}`)}</td>
          <td>${rule.stations.length || "–"}</td><td>${rule.firings}</td><td>${formatTime(rule.last_fired_at)}</td>
          <td>${rule.standing}</td></tr>`)}</tbody></table>
    </div>
    <div class="panel">
      <h2>${t("feedHealth")}</h2>
      <table data-testid="stations"><thead><tr><th>${t("station")}</th><th>${t("area")}</th><th>${t("lastReading")}</th>
        <th></th><th>${t("level")}</th></tr></thead>
        <tbody>${stations.map((station) => html`<tr data-station=${station.id}>
          <td><code>${station.id}</code> ${zh && station.name_zh ? station.name_zh : station.name}</td>
          <td>${areaName(directory, station.area)}</td>
          <td>${station.last_reading ? `${station.last_reading.value} ${station.last_reading.unit || ""}` : "–"}</td>
          <td>${station.last_reading ? formatTime(station.last_reading.observed_at) : ""}</td>
          <td>${station.open_level ? html`<${LevelBadge} level=${station.open_level} />` : ""}</td></tr>`)}</tbody></table>
      <h2>${t("deadLetters")}</h2>
      <table data-testid="dead-letters"><thead><tr><th>${t("received")}</th><th>${t("source")}</th><th>${t("reason")}</th>
        <th>${t("payload")}</th></tr></thead>
        <tbody>${dead.length === 0 ? html`<tr><td colspan="4" class="empty">${t("none")}</td></tr>` : null}
          ${dead.map((letter) => html`<tr><td>${formatTime(letter.received_at)}</td><td>${letter.source}</td>
          <td>${letter.reason}</td><td><code class="payload">${letter.payload.slice(0, 160)}</code></td></tr>`)}</tbody></table>
    </div>
  </section>`;
}
