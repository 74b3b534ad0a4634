// Hand actions on an incident. Each opens a form, then shows what the engine says the action would do
// (the API's preview: the action done in a transaction that is rolled back) before it is confirmed.
import { html, useEffect, useState } from "./ui.js";
import { LEVELS, currentLanguage, t } from "./i18n.js";
import { post } from "./api.js";
import { departmentName, may } from "./parts.js";

// action -> [API path under the incident, the access action (warning/access.py)]
export const ACTIONS = {
  ackFor: ["ack-for", "acknowledge_for"],
  escalate: ["escalate", "escalate"],
  relevel: ["level", "relevel"],
  lift: ["lift", "lift"],
  reassign: ["reassign", "reassign"],
  note: ["notes", "note"],
  repage: ["repage", "repage"],
};
// Taken as the organisation's person the caller is (a duty officer, for their own department).
const OWN = {
  acknowledge: ["ack", "acknowledge"],
  handover: ["handover", "hand_over"],
};
const PATHS = { ...ACTIONS, ...OWN };

function Field({ label, children }) {
  return html`<label class="field"><span>${label}</span>${children}</label>`;
}

function ActionForm({ action, incident, directory, principal, body, setBody }) {
  const set = (key) => (e) => setBody({ ...body, [key]: e.target.value });
  const engaged = new Set((incident.escalations || []).map((track) => track.department));
  const people = directory.people.filter((p) => engaged.size === 0 || engaged.has(p.department));
  switch (action) {
    case "ackFor":
      return html`<${Field} label=${t("person")}><select name="person" value=${body.person || ""} onChange=${set("person")}>
        <option value="" disabled>—</option>
        ${people.map((p) => html`<option value=${p.id}>${p.name} · ${departmentName(directory, p.department)}</option>`)}
      </select><//><${Field} label=${t("note")}><input name="note" value=${body.note || ""} onInput=${set("note")} /><//>`;
    case "escalate":
      return html`<${Field} label=${t("escalate")}><select name="target" value=${body.target || "next"} onChange=${set("target")}>
        <option value="next">${t("nextStep")}</option><option value="tier">${t("toTier")}</option>
        <option value="department">${t("toDepartment")}</option></select><//>
        ${body.target === "tier" ? html`<${Field} label=${t("tier")}><input name="tier" type="number" min="1" max="5"
          value=${body.tier || 1} onInput=${set("tier")} /><//>` : null}
        ${body.target === "department" ? html`<${Field} label=${t("department")}><select name="department"
          value=${body.department || ""} onChange=${set("department")}><option value="" disabled>—</option>
          ${directory.departments.filter((d) => d.in_area).map((d) => html`<option value=${d.id}>${departmentName(directory, d.id)}</option>`)}
          </select><//>` : null}`;
    case "relevel":
      return html`<${Field} label=${t("level")}><select name="level" value=${body.level || ""} onChange=${set("level")}>
        <option value="" disabled>—</option>
        ${LEVELS.filter((l) => l !== incident.level).map((l) => html`<option value=${l}>${t(`level_${l}`)}</option>`)}
      </select><//><${Field} label=${t("reason")}><input name="reason" value=${body.reason || ""} onInput=${set("reason")} /><//>`;
    case "lift":
      return html`<${Field} label=${t("reason")}><input name="reason" value=${body.reason || ""} onInput=${set("reason")} /><//>
        <label class="check"><input type="checkbox" name="tell" checked=${body.tell !== false}
          onChange=${(e) => setBody({ ...body, tell: e.target.checked })} /> ${t("tell")}</label>`;
    case "reassign":
      return html`<${Field} label=${t("department")}><select name="department" value=${body.department || ""}
        onChange=${set("department")}><option value="" disabled>—</option>
        ${directory.departments.filter((d) => d.in_area).map((d) => html`<option value=${d.id}>${departmentName(directory, d.id)}</option>`)}
        </select><//><${Field} label=${t("reason")}><input name="reason" value=${body.reason || ""} onInput=${set("reason")} /><//>`;
    case "note":
      return html`<${Field} label=${t("text")}><textarea name="text" rows="3" value=${body.text || ""} onInput=${set("text")} /><//>`;
    case "handover":
      return html`<${Field} label=${t("handoverTo")}><select name="to" value=${body.to || ""} onChange=${set("to")}>
        <option value="" disabled>—</option>
        ${directory.people.filter((p) => p.department === principal.department && p.id !== principal.person)
          .map((p) => html`<option value=${p.id}>${p.name}</option>`)}</select><//>`;
    case "repage":
      return html`<${Field} label=${t("people")}><select name="people" multiple value=${body.people || []}
        onChange=${(e) => setBody({ ...body, people: [...e.target.selectedOptions].map((o) => o.value) })}>
        ${people.map((p) => html`<option value=${p.id}>${p.name} · ${departmentName(directory, p.department)}</option>`)}
        </select><//>`;
    default:
      return null;
  }
}

// The request body the API takes for an action, from the form's fields.
function requestBody(action, body) {
  switch (action) {
    case "ackFor":
      return { person: body.person, ...(body.note ? { note: body.note } : {}) };
    case "escalate":
      if (body.target === "tier") return { tier: Number(body.tier || 1) };
      if (body.target === "department") return { department: body.department };
      return {};
    case "relevel":
      return { level: body.level, reason: body.reason || "" };
    case "lift":
      return { reason: body.reason || "", tell: body.tell !== false };
    case "reassign":
      return { department: body.department, reason: body.reason || "" };
    case "note":
      return { text: body.text || "" };
    case "repage":
      return body.people && body.people.length ? { people: body.people } : {};
    case "handover":
      return { to: body.to };
    default:
      return {};
  }
}

export function PreviewList({ preview }) {
  return html`<div class="preview" data-testid="preview">
    <h4>${t("willRecord")}</h4>
    <ul>${preview.decisions.map((d) => html`<li>${d}</li>`)}</ul>
    <h4>${t("willPage")}</h4>
    ${preview.pages.length === 0 ? html`<p>${t("nobodyPaged")}</p>`
      : html`<ul class="preview-pages">${preview.pages.map((p) => html`<li>${p.person_name} · ${p.department_name}
        ${p.channel ? ` · ${t(`channel_${p.channel}`)}` : ""}</li>`)}</ul>`}
  </div>`;
}

// What acknowledging or handing over will do, said here: the engine has no preview of these (they
// record one decision, and a hand-over pages the colleague named).
function ownPreview(action, incident, directory, principal, body) {
  if (action === "acknowledge") {
    return { decisions: [`${principal.name} · ${t("acknowledge")} · ${incident.code}`], pages: [] };
  }
  const colleague = directory.peopleById.get(body.to);
  if (!colleague) return null;
  return { decisions: [`${principal.name} → ${colleague.name} · ${t("handover")} · ${incident.code}`],
    pages: [{ person_name: colleague.name, department_name: departmentName(directory, colleague.department) }] };
}

export function ActionDialog({ action, incident, directory, principal, onClose, onDone }) {
  const [body, setBody] = useState(action === "escalate" ? { target: "next" } : {});
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const path = `/api/incidents/${incident.code}/${PATHS[action][0]}`;
  const language = currentLanguage();

  useEffect(() => {
    setPreview(null);
    setError("");
    if (action in OWN) {
      setPreview(ownPreview(action, incident, directory, principal, body));
      return undefined;
    }
    const timer = setTimeout(async () => {
      try {
        setPreview(await post(`${path}/preview?language=${language}`, requestBody(action, body)));
      } catch (refused) {
        setError(refused.message);
      }
    }, 250);
    return () => clearTimeout(timer);
  }, [JSON.stringify(body)]);

  async function confirm(event) {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await post(path, requestBody(action, body));
      onDone(answer.message);
    } catch (refused) {
      setError(refused.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<div class="dialog-backdrop" onClick=${(e) => e.target === e.currentTarget && onClose()}>
    <form class="dialog" role="dialog" aria-modal="true" aria-label=${t(action)} onSubmit=${confirm} data-testid="action-dialog">
      <h3>${t(action)} · ${incident.code}</h3>
      <${ActionForm} action=${action} incident=${incident} directory=${directory} principal=${principal}
        body=${body} setBody=${setBody} />
      <h4 class="preview-title">${t("preview")}</h4>
      ${preview ? html`<${PreviewList} preview=${preview} />` : error ? null : html`<p class="muted">${t("loading")}</p>`}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="buttons">
        <button type="button" onClick=${onClose}>${t("cancel")}</button>
        <button type="submit" class="primary" disabled=${busy || !preview}>${t("confirm")}</button>
      </div>
    </form>
  </div>`;
}

export function ActionButtons({ incident, directory, principal, open }) {
  if (incident.status === "lifted") return null;
  const own = principal.person ? Object.entries(OWN) : []; // only someone of the organisation acknowledges as themselves
  const shown = [...own, ...Object.entries(ACTIONS)].filter(([, [, access]]) => may(directory, access));
  if (!shown.length) return html`<p class="muted read-only">${t("readOnly")}</p>`;
  return html`<div class="actions" data-testid="actions">
    ${shown.map(([action]) => html`<button type="button" data-action=${action} onClick=${() => open(action)}>${t(action)}</button>`)}
  </div>`;
}
