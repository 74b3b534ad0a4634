// Warnings held back from the public: from the organisation's approval level up (orange, say), a
// warning's CAP messages reach the public feed and its subscribers only when a dispatcher releases
// them. The list follows the decision stream; releasing one releases the earlier held ones of the
// same warning too, in order.
import { html, useEffect, useState } from "./ui.js";
import { currentLanguage, formatTime, t } from "./i18n.js";
import { get, post } from "./api.js";
import { LevelBadge } from "./parts.js";

export function HeldReleases({ live, mayRelease, flash }) {
  const [held, setHeld] = useState([]);
  const [busy, setBusy] = useState("");
  const load = () => get("/cap/held").then(setHeld).catch(() => setHeld([]));
  useEffect(() => {
    load();
    return live.onDecision((decision) => decision.kind && decision.kind.startsWith("public_release") && load());
  }, []);
  if (!held.length) return null;
  const release = async (identifier) => {
    setBusy(identifier);
    try {
      const answer = await post(`/cap/alerts/${encodeURIComponent(identifier)}/release`);
      flash(`${t("releasedToPublic")}: ${answer.released.length}`);
      await load();
    } catch (refused) {
      flash(refused.message);
    } finally {
      setBusy("");
    }
  };
  return html`<section class="held-releases" data-testid="held-releases">
    <h3>${t("heldReleases")} <span class="count">${held.length}</span></h3>
    <ul>${held.map((h) => html`<li key=${h.identifier} data-identifier=${h.identifier}>
      <${LevelBadge} level=${h.level} />
      <a href=${`#/incident/${h.incident}`}>${h.incident}</a>
      <span class="msg-type">${t(`msgType_${h.msg_type}`)}</span>
      <span class="headline">${h.headline[currentLanguage()] || h.headline.en || ""}</span>
      ${h.status === "Exercise" ? html`<span class="drill">${t("drill")}</span>` : null}
      <small>${formatTime(h.sent)} · ${h.identifier}</small>
      ${mayRelease ? html`<button class="primary" disabled=${busy === h.identifier}
        onClick=${() => release(h.identifier)}>${t("releaseToPublic")}</button>` : null}
    </li>`)}</ul>
  </section>`;
}
