// The live picture every page shares: the open incidents of the caller's area, kept current from the
// decision stream. A decision names its incident; the rows it touched are read again together (at
// most every 100 ms), so twenty decisions a second cost a few requests, not a reload.
import { DecisionStream, incidentsByCode, openIncidents } from "./api.js";

const REFRESH_MS = 100;

export class Live {
  constructor(language) {
    this.incidents = new Map(); // code -> incident (open or acknowledged)
    this.seqOf = new Map(); // code -> number of the last decision about it
    this.listeners = new Set();
    this.decisionListeners = new Set();
    this.connection = "connecting";
    this.pending = new Set();
    this.timer = null;
    this.loaded = false;
    this.fresh = null;
    this.stream = new DecisionStream(language, (d) => this.decided(d), (state) => {
      this.connection = state;
      if (state === "live" && this.loaded === "again") this.reload();
      if (state === "disconnected") this.loaded = this.loaded && "again";
      this.changed();
    });
    this.reload();
  }

  async reload() {
    // Rows read again while the list is on its way are newer than the list's: they win.
    this.fresh = new Map();
    const take = (rows) => {
      this.incidents = new Map(rows.map((row) => [row.code, row]));
      for (const [code, row] of this.fresh) this.keep(code, row);
      this.changed();
    };
    take(await openIncidents(take));
    this.fresh = null;
    this.loaded = true;
  }

  keep(code, row) {
    if (row.status === "lifted") this.incidents.delete(code);
    else this.incidents.set(code, row);
  }

  subscribe(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onDecision(listener) {
    this.decisionListeners.add(listener);
    return () => this.decisionListeners.delete(listener);
  }

  changed() {
    this.version = (this.version || 0) + 1;
    for (const listener of this.listeners) listener();
  }

  decided(decision) {
    for (const listener of this.decisionListeners) listener(decision);
    if (!decision.incident) return;
    this.seqOf.set(decision.incident, decision.seq);
    this.pending.add(decision.incident);
    if (this.timer === null) this.timer = setTimeout(() => this.refresh(), REFRESH_MS);
  }

  async refresh() {
    const codes = [...this.pending];
    this.pending.clear();
    let failed = false;
    try {
      const rows = await incidentsByCode(codes);
      for (const row of rows) {
        this.keep(row.code, row);
        if (this.fresh) this.fresh.set(row.code, row);
      }
    } catch {
      failed = true;
      for (const code of codes) this.pending.add(code); // tried again shortly, or on reconnecting
    } finally {
      // Decisions that came while this read was on its way are read next, at once; after a failure, later.
      this.timer = this.pending.size ? setTimeout(() => this.refresh(), failed ? 2000 : 0) : null;
    }
    this.changed();
  }

  close() {
    this.stream.close();
    clearTimeout(this.timer);
  }
}

const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };

// The board's order: most severe first, then the oldest.
export function boardOrder(a, b) {
  return RANK[b.level] - RANK[a.level] || Date.parse(a.opened_at) - Date.parse(b.opened_at);
}
