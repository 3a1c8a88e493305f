// The dashboard's shell: sign-in (or a pasted token), who the token is, and the
// routes: #/region/CODE, #/station/ID, and the viewer's own region or station by default.
import * as data from "dashboard/data.js";
import { disposeAll } from "dashboard/charts.js";
import { h, clear } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";
import { renderRegion } from "dashboard/region.js";
import { renderStation } from "dashboard/station.js";
import { renderReports } from "dashboard/reports.js";
import { renderAlerts } from "dashboard/alerts.js";
import { renderSupervision } from "dashboard/supervision.js";

const app = document.getElementById("app");
const REGION_ROLES = new Set(["PROVINCE", "CITY", "COUNTY", "EVALUATOR", "ADMIN"]);
const PROVINCE = "320000"; // where an administrator without a region starts
let viewer = null;
let closeView = null; // what the shown view must stop when another is shown (its live stream)

function tokenForm(message) {
  const input = h("input", { type: "password", id: "token", name: "token", autocomplete: "off", required: true,
                             placeholder: t("token.placeholder"), "aria-label": t("token.label") });
  const form = h("form", { class: "token-form", id: "token-form" },
    h("label", { for: "token" }, t("token.label")), input,
    h("button", { type: "submit" }, t("token.use")),
    message ? h("p", { class: "error", role: "alert" }, message) : null,
    h("p", { class: "hint" }, t("token.hint")));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    data.setToken(input.value);
    start();
  });
  return form;
}

function signInForm() {
  const field = (name, type, label, required) => [h("label", { for: `signin-${name}` }, label),
    h("input", { type, id: `signin-${name}`, name, required, autocomplete: name === "totp" ? "one-time-code" : name })];
  const problem = h("p", { class: "error", role: "alert", hidden: true });
  const form = h("form", { class: "token-form", id: "signin-form" }, h("h2", {}, t("signin.title")),
    ...field("username", "text", t("signin.username"), true), ...field("password", "password", t("signin.password"), true),
    ...field("totp", "text", t("signin.totp"), false), h("button", { type: "submit" }, t("signin.submit")), problem);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = (name) => form.querySelector(`#signin-${name}`).value;
    try {
      await data.signIn(value("username"), value("password"), value("totp"));
      start();
    } catch (error) {
      problem.textContent = t("signin.failed", { message: error.message });
      problem.hidden = false;
    }
  });
  return form;
}

function topBar() {
  const who = viewer ? t("token.viewer", { role: t(`role.${viewer.role}`), scope: viewer.region || viewer.stationIds.join("、") || "—" }) : "";
  return h("header", { class: "top-bar" },
    h("a", { class: "brand", href: "#/" }, h("strong", {}, t("app.title")), h("span", {}, t("app.subtitle"))),
    viewer ? h("div", { class: "viewer" },
      h("a", { class: "nav-alerts", href: "#/alerts" }, t("nav.alerts")),
      h("a", { class: "nav-supervision", href: `#/supervision/${viewer.region || PROVINCE}` }, t("nav.supervision")),
      REGION_ROLES.has(viewer.role) ? h("a", { class: "nav-reports", href: `#/reports/${viewer.region || PROVINCE}` },
        t("nav.reports")) : null,
      h("span", { "data-role": "viewer" }, who),
      h("button", { type: "button", onclick: async () => { if (closeView) closeView(); await data.signOut(); viewer = null; location.hash = ""; start(); } },
        t("token.clear"))) : null);
}

function homeRoute() {
  if (REGION_ROLES.has(viewer.role)) return `#/region/${viewer.region || PROVINCE}`;
  if (viewer.stationIds.length === 1) return `#/station/${viewer.stationIds[0]}`;
  return "#/stations";
}

function myStations(main) {
  main.append(h("section", { class: "panel" }, h("h2", {}, t("nav.myStations")),
    h("ul", { class: "station-links" }, viewer.stationIds.map((id) => h("li", {}, h("a", { href: `#/station/${id}` }, id))))));
  main.dataset.ready = "true";
}

async function route() {
  disposeAll();
  if (closeView) { closeView(); closeView = null; }
  const main = h("main", { id: "view" });
  clear(app).append(topBar(), main);
  const [, kind, id] = (location.hash.match(/^#\/(region|station|stations|reports|alerts|supervision)\/?([^/?]*)/) || []);
  try {
    if (kind === "region" && id) await renderRegion(main, decodeURIComponent(id), viewer);
    else if (kind === "station" && id) await renderStation(main, decodeURIComponent(id), viewer);
    else if (kind === "stations") myStations(main);
    else if (kind === "reports" && id) await renderReports(main, decodeURIComponent(id));
    else if (kind === "alerts") closeView = renderAlerts(main, viewer);
    else if (kind === "supervision") await renderSupervision(main, id ? decodeURIComponent(id) : null);
    else {
      history.replaceState(null, "", homeRoute());  // no hashchange: render at once
      await route();
    }
  } catch (error) {
    main.append(h("p", { class: "error", role: "alert" }, t("app.error", { message: error.message })));
    console.error(error);
  }
}

async function start() {
  clear(app);
  if (!data.token()) {
    app.append(topBar(), h("main", { id: "view" }, signInForm(), h("p", { class: "hint" }, t("signin.or")), tokenForm()));
    return;
  }
  const confirmed = data.viewer().then((v) => (v.role === "PUBLIC" ? null : v), () => null);
  const hint = data.tokenHint();
  if (hint) {
    viewer = hint;
    const shown = route();
    const real = await confirmed;
    if (!real) return refuse();
    viewer = real;
    app.querySelector(".top-bar")?.replaceWith(topBar());
    await shown;
    return;
  }
  viewer = await confirmed;
  if (!viewer) return refuse();
  await route();
}

function refuse() {
  data.clearToken();
  viewer = null;
  clear(app).append(topBar(), h("main", { id: "view" }, tokenForm(t("token.invalid"))));
}

window.addEventListener("hashchange", () => { if (viewer) route(); });
document.title = t("app.title");
start();
