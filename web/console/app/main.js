// The console's shell: sign-in, the pages a role has (hash routes), the connection state, the
// language switch. Everything it shows comes from the API of the engine that serves it.
import { html, render, useEffect, useState } from "./ui.js";
import { currentLanguage, setEngineClock, setLanguage, setTimeZone, t } from "./i18n.js";
import { get, resume, signIn, signOut } from "./api.js";
import { Live } from "./live.js";
import { indexDirectory, may } from "./parts.js";
import { BoardPage } from "./board.js";
import { IncidentPage } from "./incident.js";
import { CreatePage } from "./create.js";
import { DutyPage } from "./duty.js";
import { PlannerPage } from "./planner.js";

function SignIn({ onSignedIn }) {
  const [user, setUser] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState("");
  async function submit(event) {
    event.preventDefault();
    try {
      onSignedIn(await signIn(user, password));
    } catch (refused) {
      setError(refused.status === 401 ? t("wrongPassword") : refused.message);
    }
  }
  return html`<form class="sign-in panel" onSubmit=${submit}>
    <h1>${t("appTitle")}</h1>
    <label class="field"><span>${t("user")}</span><input name="user" autocomplete="username" value=${user}
      onInput=${(e) => setUser(e.target.value)} required /></label>
    <label class="field"><span>${t("password")}</span><input name="password" type="password"
      autocomplete="current-password" value=${password} onInput=${(e) => setPassword(e.target.value)} required /></label>
    ${error ? html`<p class="error" role="alert">${error}</p>` : null}
    <button type="submit" class="primary">${t("signIn")}</button>
    <button type="button" class="link" onClick=${() => { setLanguage(currentLanguage() === "zh-CN" ? "en" : "zh-CN"); onSignedIn(null); }}>
      ${t("language")}</button>
  </form>`;
}

function useRoute() {
  const [route, setRoute] = useState(location.hash || "#/");
  useEffect(() => {
    const changed = () => setRoute(location.hash || "#/");
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  return route;
}

function Console({ principal, onSignOut }) {
  const [directory, setDirectory] = useState(null);
  const [geometry, setGeometry] = useState(null);
  const [stations, setStations] = useState([]);
  const [live, setLive] = useState(null);
  const [, setVersion] = useState(0);
  const [message, setMessage] = useState("");
  const route = useRoute();
  const language = currentLanguage();

  useEffect(() => {
    let closed = false;
    Promise.all([get("/api/organisation"), get("/api/geometry"), get("/api/rules")]).then(([d, g, r]) => {
      if (closed) return;
      setTimeZone(d.time_zone);
      setEngineClock(d.now, d.clock_speed);
      setDirectory(indexDirectory(d, r));
      setGeometry(g);
    });
    get("/api/stations").then((s) => !closed && setStations(s)); // for the map, which draws them when they come
    const current = new Live(language);
    const off = current.subscribe(() => setVersion((v) => v + 1));
    setLive(current);
    // Stations change colour with their causes: read them again when decisions arrive (at most each 2 s).
    let timer = null;
    const offStations = current.onDecision(() => {
      if (timer === null) timer = setTimeout(() => { timer = null; get("/api/stations").then(setStations); }, 2000);
    });
    return () => { closed = true; off(); offStations(); current.close(); clearTimeout(timer); };
  }, [language]);

  const flash = (text) => {
    setMessage(text);
    setTimeout(() => setMessage(""), 6000);
  };
  const go = (hash) => { location.hash = hash; };
  if (!directory || !geometry || !live) return html`<p class="loading">${t("loading")}</p>`;

  const officer = principal.role === "duty_officer";
  const home = officer ? "#/duty" : principal.role === "planner" ? "#/planner" : "#/board";
  const path = route === "#/" ? home : route;
  let page;
  if (path.startsWith("#/incident/")) {
    page = html`<${IncidentPage} key=${path} code=${path.slice(11)} live=${live} directory=${directory}
      principal=${principal} flash=${flash} />`;
  } else if (path === "#/create" && may(directory, "create")) {
    page = html`<${CreatePage} directory=${directory} go=${go} flash=${flash} />`;
  } else if (path === "#/duty" && principal.department) {
    page = html`<${DutyPage} live=${live} directory=${directory} principal=${principal} flash=${flash} />`;
  } else if (path === "#/planner") {
    page = html`<${PlannerPage} directory=${directory} live=${live} />`;
  } else {
    page = html`<${BoardPage} live=${live} directory=${directory} geometry=${geometry} stations=${stations} go=${go}
      flash=${flash} />`;
  }
  const tab = (hash, label) => html`<a href=${hash} class=${path === hash ? "on" : ""}>${label}</a>`;
  return html`<div class="console">
    <header class="top">
      <h1>${t("appTitle")}</h1>
      <nav>
        ${tab("#/board", t("board"))}
        ${principal.department ? tab("#/duty", t("duty")) : null}
        ${may(directory, "create") ? tab("#/create", t("create")) : null}
        ${tab("#/planner", t("planner"))}
      </nav>
      <span class=${`connection connection-${live.connection}`} data-testid="connection" data-state=${live.connection}
        role="status">${live.connection === "live" ? `● ${t("live")}` : `○ ${t(live.connection)}`}</span>
      <span class="who">${principal.name} · ${t(`role_${principal.role}`)}</span>
      <button class="link" onClick=${() => setLanguage(language === "zh-CN" ? "en" : "zh-CN") || setVersion((v) => v + 1)}>
        ${t("language")}</button>
      <button class="link" onClick=${onSignOut}>${t("signOut")}</button>
    </header>
    ${message ? html`<div class="flash" role="status" data-testid="flash">${message}</div>` : null}
    <main>${page}</main>
  </div>`;
}

function App() {
  const [principal, setPrincipal] = useState(undefined);
  const [, redraw] = useState(0);
  useEffect(() => {
    resume().then(setPrincipal);
    const ended = () => setPrincipal(null);
    window.addEventListener("warning:signed-out", ended);
    return () => window.removeEventListener("warning:signed-out", ended);
  }, []);
  if (principal === undefined) return html`<p class="loading">…</p>`;
  if (principal === null) {
    return html`<${SignIn} onSignedIn=${(p) => (p ? setPrincipal(p) : redraw((v) => v + 1))} />`;
  }
  return html`<${Console} principal=${principal} onSignOut=${async () => { await signOut(); setPrincipal(null); }} />`;
}

setLanguage(currentLanguage());
render(html`<${App} />`, document.getElementById("app"));
