// A warning reported by hand (a 12345 hotline call, a field report): hazard, level, the area picked
// from the tree, what was reported; the preview says whom it will page before it is opened.
import { html, useEffect, useState } from "./ui.js";
import { LEVELS, currentLanguage, t } from "./i18n.js";
import { post } from "./api.js";
import { PreviewList } from "./actions.js";

const SOURCES = ["hotline_12345", "field_report", "video_analytics", "another_agency", "other"];

// The area tree as indented options: province, city, district, street, community.
function areaOptions(directory) {
  const children = new Map();
  for (const area of directory.areas) {
    const key = area.parent && directory.areasByCode.has(area.parent) ? area.parent : "";
    if (!children.has(key)) children.set(key, []);
    children.get(key).push(area);
  }
  const zh = currentLanguage() === "zh-CN";
  const options = [];
  const walk = (key, depth) => {
    for (const area of children.get(key) || []) {
      const name = zh && area.name_zh ? area.name_zh : area.name;
      options.push(html`<option value=${area.code}>${"\u00a0\u00a0".repeat(depth)}${name} (${area.code})</option>`);
      walk(area.code, depth + 1);
    }
  };
  walk("", 0);
  return options;
}

function requestBody(form) {
  const body = { hazard: form.hazard, level: form.level, area: form.area, title: form.title.trim(),
    description: form.description.trim(), source: form.source };
  if (form.callback.trim()) body.callback = form.callback.trim();
  if (form.location.trim()) body.location = form.location.split(/[,\s]+/).filter(Boolean).map(Number);
  return body;
}

export function CreatePage({ directory, go, flash }) {
  const [form, setForm] = useState({ hazard: directory.hazards[0] || "flood", level: "blue",
    area: directory.areas.find((a) => a.level === "district")?.code || directory.areas[0]?.code || "",
    title: "", description: "", source: "hotline_12345", callback: "", location: "" });
  const [preview, setPreview] = useState(null);
  const [error, setError] = useState("");
  const [busy, setBusy] = useState(false);
  const set = (key) => (e) => setForm({ ...form, [key]: e.target.value });

  useEffect(() => {
    setPreview(null);
    if (!form.title.trim() || !form.description.trim()) return undefined;
    const timer = setTimeout(async () => {
      try {
        setPreview(await post(`/api/incidents/preview?language=${currentLanguage()}`, requestBody(form)));
        setError("");
      } catch (refused) {
        setError(refused.message);
      }
    }, 300);
    return () => clearTimeout(timer);
  }, [JSON.stringify(form)]);

  async function submit(event) {
    event.preventDefault();
    setBusy(true);
    try {
      const answer = await post("/api/incidents", requestBody(form));
      flash(answer.message);
      go(`#/incident/${answer.incident}`);
    } catch (refused) {
      setError(refused.message);
    } finally {
      setBusy(false);
    }
  }

  return html`<form class="create-page panel" onSubmit=${submit} data-testid="create-form">
    <h2>${t("create")}</h2>
    <div class="form-grid">
      <label class="field"><span>${t("hazard")}</span><select name="hazard" value=${form.hazard} onChange=${set("hazard")}>
        ${directory.hazards.map((h) => html`<option value=${h}>${t(`hazard_${h}`)}</option>`)}</select></label>
      <label class="field"><span>${t("level")}</span><select name="level" value=${form.level} onChange=${set("level")}>
        ${LEVELS.map((l) => html`<option value=${l}>${t(`level_${l}`)}</option>`)}</select></label>
      <label class="field"><span>${t("area")}</span><select name="area" value=${form.area} onChange=${set("area")}>
        ${areaOptions(directory)}</select></label>
      <label class="field"><span>${t("source")}</span><select name="source" value=${form.source} onChange=${set("source")}>
        ${SOURCES.map((s) => html`<option value=${s}>${t(`source_${s}`)}</option>`)}</select></label>
      <label class="field wide"><span>${t("title")}</span><input name="title" required maxlength="200"
        value=${form.title} onInput=${set("title")} /></label>
      <label class="field wide"><span>${t("description")}</span><textarea name="description" required rows="4"
        value=${form.description} onInput=${set("description")} /></label>
      <label class="field"><span>${t("callback")}</span><input name="callback" inputmode="tel" value=${form.callback}
        onInput=${set("callback")} /></label>
      <label class="field"><span>${t("location")}</span><input name="location" placeholder="117.05, 36.67"
        value=${form.location} onInput=${set("location")} /></label>
    </div>
    ${preview ? html`<${PreviewList} preview=${preview} />` : null}
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <div class="buttons"><button type="submit" class="primary" disabled=${busy || !preview}>${t("submit")}</button></div>
  </form>`;
}
