// The engine's API as the console uses it: the session cookie (HttpOnly) and its CSRF token on every
// change, refusals as errors carrying the server's words, and the decision stream with reconnection.

let csrf = "";

export class Refused extends Error {
  constructor(status, message) {
    super(message);
    this.status = status;
  }
}

async function call(method, path, body) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET") headers["X-CSRF-Token"] = csrf;
  const response = await fetch(path, {
    method, headers, credentials: "same-origin", body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (response.status === 204) return null;
  const answer = await response.json().catch(() => ({ error: response.statusText }));
  if (response.status === 401 && !path.startsWith("/api/session")) {
    window.dispatchEvent(new Event("warning:signed-out")); // the session ended or expired: sign in again
  }
  if (!response.ok) {
    const detail = Array.isArray(answer.detail) ? answer.detail.map((d) => `${(d.loc || []).join(".")}: ${d.msg}`) : [];
    throw new Refused(response.status, [answer.error || response.statusText, ...detail].join("; "));
  }
  return answer;
}

export const get = (path) => call("GET", path);
export const post = (path, body = {}) => call("POST", path, body);

export async function signIn(user, password) {
  const signed = await post("/api/session", { user, password });
  csrf = signed.csrf_token;
  return signed.principal;
}

export async function resume() {
  try {
    const signed = await get("/api/session");
    csrf = signed.csrf_token;
    return signed.principal;
  } catch {
    return null;
  }
}

export async function signOut() {
  await call("DELETE", "/api/session");
  csrf = "";
}

// Every open incident of the caller's area, in the board's order: first the rows the board draws at
// once (`onFirst` has them), then the rest in pages of the API's largest size, read side by side.
export async function openIncidents(onFirst, firstRows = 150) {
  const query = "/api/incidents?status=open&status=acknowledged&order=board";
  const first = await get(`${query}&limit=${firstRows}&offset=0`);
  onFirst(first.items);
  const rest = [];
  for (let offset = firstRows; offset < first.total; offset += 500) rest.push(get(`${query}&limit=500&offset=${offset}`));
  return [...first.items, ...(await Promise.all(rest)).flatMap((page) => page.items)];
}

export async function incidentsByCode(codes) {
  const found = [];
  const list = [...codes];
  for (let i = 0; i < list.length; i += 100) {
    const query = list.slice(i, i + 100).map((c) => `code=${encodeURIComponent(c)}`).join("&");
    found.push(...(await get(`/api/incidents?${query}&limit=100`)).items);
  }
  return found;
}

// The decision stream: EventSource reconnects by itself (sending Last-Event-ID, so nothing is missed);
// a closed stream (the session ended) is opened again after a pause. `onState` hears
// "connecting", "live", "disconnected" and "stale" (no heartbeat for 40 s).
export class DecisionStream {
  constructor(language, onDecision, onState) {
    this.language = language;
    this.onDecision = onDecision;
    this.onState = onState;
    this.lastHeard = 0;
    this.state = "connecting";
    this.stopped = false;
    this.watch = setInterval(() => {
      if (this.state === "live" && Date.now() - this.lastHeard > 40000) this.setState("stale");
    }, 5000);
    this.open();
  }

  setState(state) {
    if (state !== this.state) {
      this.state = state;
      this.onState(state);
    }
  }

  open() {
    const after = this.lastSeq ? `&after=${this.lastSeq}` : "";
    this.source = new EventSource(`/api/stream?language=${encodeURIComponent(this.language)}${after}`);
    const heard = () => {
      this.lastHeard = Date.now();
      this.setState("live");
    };
    this.source.addEventListener("heartbeat", heard);
    this.source.addEventListener("decision", (message) => {
      heard();
      const decision = JSON.parse(message.data);
      this.lastSeq = decision.seq;
      this.onDecision(decision);
    });
    this.source.onerror = () => {
      this.setState("disconnected");
      if (this.source.readyState === EventSource.CLOSED && !this.stopped) {
        setTimeout(() => !this.stopped && this.open(), 3000);
      }
    };
  }

  close() {
    this.stopped = true;
    clearInterval(this.watch);
    this.source.close();
  }
}
