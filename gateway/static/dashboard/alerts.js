// The 预警 feed (#/alerts): the viewer's alerts, a page at a time, filtered by severity, status and
// escalation; each open alert can be acknowledged and any unresolved one resolved, with a note. New and
// changed alerts arrive over the push channel (data.followAlerts) and the feed reads its first page again,
// so what it shows is always what the `alerts` query answers for this token.
import * as data from "dashboard/data.js";
import { h, clear } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";

const SEVERITIES = ["CRITICAL", "HIGH", "MEDIUM"];
const STATUSES = ["ACTIVE", "OPEN", "ACKNOWLEDGED", "RESOLVED"];
const when = (iso) => (iso ? iso.slice(0, 16).replace("T", " ") : "");

function select(name, options, value, label) {
  const element = h("select", { name, "data-filter": name, "aria-label": label },
    options.map(([key, text]) => h("option", { value: key, selected: key === value }, text)));
  return h("label", { class: "filter" }, label, " ", element);
}

function actions(alert, onDone) {
  if (alert.status === "RESOLVED") return h("span", { class: "hint" }, t("alerts.resolvedBy", { by: alert.resolved?.by || "" }));
  const note = h("input", { type: "text", name: "note", "data-role": "note", placeholder: t("alerts.notePlaceholder"),
                            "aria-label": t("alerts.note"), maxlength: 2000 });
  const status = h("span", { class: "export-status", role: "status" });
  const act = async (action) => {
    if (note.value.trim().length < 2) { status.textContent = t("alerts.noteNeeded"); return; }
    status.textContent = t("alerts.working");
    const changed = await data.handleAlert(action, alert.id, alert.version, note.value.trim());
    if (data.isProblem(changed)) { status.textContent = t("alerts.failed", { message: changed.message }); return; }
    status.textContent = "";
    onDone(changed);
  };
  return h("span", { class: "alert-actions" }, note,
    alert.status === "OPEN" ? h("button", { type: "button", "data-action": "acknowledge", onclick: () => act("acknowledge") },
      t("alerts.acknowledge")) : null,
    h("button", { type: "button", "data-action": "resolve", onclick: () => act("resolve") }, t("alerts.resolve")), status);
}

function row(alert, fresh, onDone) {
  return h("tr", { "data-alert": alert.id, "data-status": alert.status, "data-severity": alert.severity,
                   "data-station": alert.stationId, class: fresh ? "fresh" : null },
    h("td", {}, h("span", { class: `badge severity-${alert.severity.toLowerCase()}` }, t(`severity.${alert.severity}`))),
    h("td", { "data-column": "rule" }, t(`alertRule.${alert.rule}`)),
    h("td", { "data-column": "station" }, h("a", { href: `#/station/${alert.stationId}` }, alert.station?.name || alert.stationId)),
    h("td", { "data-column": "firstSeen" }, when(alert.firstSeen)),
    h("td", { "data-column": "status" }, t(`alertStatus.${alert.status}`),
      alert.escalation ? h("span", { class: "hint" }, " ", t("alerts.escalatedTo", { level: t(`alerts.level.${alert.escalation.level}`) })) : null,
      alert.acknowledged ? h("div", { class: "hint", "data-role": "ack-note" }, alert.acknowledged.note) : null),
    h("td", {}, actions(alert, onDone)));
}

/** Draws the feed into `main`; returns the function that closes its live stream. */
export function renderAlerts(main, viewer) {
  const filters = { status: "ACTIVE", severity: "", escalated: "" };
  const known = new Set();
  const body = h("tbody");
  const total = h("span", { "data-role": "total" });
  const live = h("span", { class: "live", "data-role": "live", "data-state": "connecting" }, t("alerts.live.connecting"));
  const more = h("button", { type: "button", "data-role": "more", hidden: true }, t("alerts.more"));
  const filterBar = h("div", { class: "filters" },
    select("severity", [["", t("alerts.any")], ...SEVERITIES.map((s) => [s, t(`severity.${s}`)])], "", t("alerts.severity")),
    select("status", STATUSES.map((s) => [s, t(`alertStatus.${s}`)]), "ACTIVE", t("alerts.status")),
    select("escalated", [["", t("alerts.any")], ["true", t("alerts.escalatedOnly")], ["false", t("alerts.notEscalated")]], "",
      t("alerts.escalation")));
  const panel = h("section", { class: "panel", id: "alerts" },
    h("h2", {}, t("alerts.title"), " ", total, " ", live), filterBar,
    h("table", { class: "data-table alert-table" }, h("thead", {}, h("tr", {},
      ["severity", "rule", "station", "firstSeen", "status", "actions"].map((k) => h("th", { scope: "col" }, t(`alerts.column.${k}`))))),
    body), more);
  main.append(panel);

  let after = null;
  let loading = Promise.resolve();
  const query = () => ({ ...filters, escalated: filters.escalated === "" ? null : filters.escalated === "true" });

  async function load(append) {
    const page = await data.alerts(query(), append ? after : null);
    if (!append) clear(body);
    if (data.isProblem(page)) {
      body.append(h("tr", {}, h("td", { colspan: 6, class: "error" }, t("app.error", { message: page.message }))));
      total.textContent = "";
      more.hidden = true;
      return;
    }
    const firstLoad = known.size === 0 && !append;
    body.append(...page.items.map((a) => row(a, !firstLoad && !known.has(a.id), () => refresh())));
    page.items.forEach((a) => known.add(a.id));
    if (!page.items.length && !append) body.append(h("tr", {}, h("td", { colspan: 6 }, t("alerts.none"))));
    total.textContent = t("alerts.total", { n: page.totalCount });
    total.dataset.value = String(page.totalCount);
    after = page.nextCursor;
    more.hidden = !after;
  }
  const refresh = () => { loading = loading.then(() => load(false)); return loading; };
  more.addEventListener("click", () => { loading = loading.then(() => load(true)); });
  filterBar.addEventListener("change", (event) => { filters[event.target.name] = event.target.value; refresh(); });

  const stop = data.followAlerts((event) => {
    panel.dataset.lastEvent = `${event.type} ${event.alert_id}`;
    refresh();
  }, { onOpen: () => { live.dataset.state = "open"; live.textContent = t("alerts.live.open"); } });
  refresh().then(() => { main.dataset.ready = "true"; });
  return stop;
}
