// Small pieces every page uses: the level badge, names of areas and departments, track chips.
import { html } from "./ui.js";
import { LEVEL_ICON, currentLanguage, t } from "./i18n.js";

export function LevelBadge({ level }) {
  return html`<span class="level level-${level}" data-level=${level}>
    <span class="level-icon" aria-hidden="true">${LEVEL_ICON[level]}</span> ${t(`level_${level}`)}</span>`;
}

export function StatusBadge({ status }) {
  return html`<span class="status status-${status}">${t(`status_${status}`)}</span>`;
}

export function areaName(directory, code) {
  const area = directory.areasByCode.get(code);
  if (!area) return code;
  return currentLanguage() === "zh-CN" && area.name_zh ? area.name_zh : area.name;
}

export function departmentName(directory, id) {
  const department = directory.departmentsById.get(id);
  if (!department) return id;
  return currentLanguage() === "zh-CN" && department.name_zh ? department.name_zh : department.name;
}

export function personName(directory, id) {
  const person = directory.peopleById.get(id);
  if (!person) return id;
  return currentLanguage() === "zh-CN" && person.name_zh ? person.name_zh : person.name;
}

// One escalation track: its department, who it paged last by what, and who acknowledged.
export function TrackChip({ track, directory }) {
  const paged = track.paged_name
    ? html`<span class="paged">${t("paged")} ${currentLanguage() === "zh-CN" && track.paged_name_zh
      ? track.paged_name_zh : track.paged_name} · ${t(`channel_${track.paged_by}`)}</span>`
    : null;
  const acked = track.acknowledged_by
    ? html`<span class="acked">✔ ${personName(directory, track.acknowledged_by)}</span>`
    : null;
  return html`<span class="track track-${track.state}" title=${track.policy}>
    <b>${departmentName(directory, track.department)}</b>
    <span class="state">${t(`state_${track.state}`)}</span> ${paged} ${acked}</span>`;
}

// Orange and red need every engaged department (the organisation's quorum): n of m acknowledged.
export function quorum(incident) {
  const tracks = incident.escalations || [];
  if (!tracks.length || !["orange", "red"].includes(incident.level)) return null;
  const done = tracks.filter((track) => track.state === "acknowledged").length;
  return `${done}/${tracks.length}`;
}

// The title in the reader's language: the rule's own (rules carry both), or what a person typed.
// (An incident is titled after its most severe cause, which may be another rule than its first.)
export function incidentTitle(directory, incident) {
  const rule = directory.rulesByTitle.get(incident.title);
  if (rule) return currentLanguage() === "zh-CN" && rule.title_zh ? rule.title_zh : rule.title;
  return incident.title;
}

// Why, in the reader's language: the rule's message, else its reason, in both languages; else the
// reason as recorded (a report taken by hand says what its reporter wrote).
export function incidentText(incident) {
  const language = currentLanguage();
  return incident.content?.text?.[language] || incident.content?.reason?.[language] || incident.reason;
}

export function indexDirectory(directory, rules) {
  return {
    ...directory,
    rulesByTitle: new Map(rules.map((r) => [r.title, r])),
    areasByCode: new Map(directory.areas.map((a) => [a.code, a])),
    departmentsById: new Map(directory.departments.map((d) => [d.id, d])),
    peopleById: new Map(directory.people.map((p) => [p.id, p])),
  };
}

// The actions the caller's role may take at all, as the server says (warning/access.py); the server
// still checks each one against the incident's area and departments.
export function may(directory, action) {
  return directory.actions.includes(action);
}
