// The 督导 view (#/supervision/CODE): the supervision calendar (the sessions at each station, a month at a
// time) and the follow-ups still to be done, overdue first. Both from `supervisionSessions`, scoped like
// every other query by the token.
import * as data from "dashboard/data.js";
import { h, clear } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";

const monthOf = (iso) => iso.slice(0, 7);
const shiftMonth = (month, by) => {
  const [y, m] = month.split("-").map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
};

function calendar(sessions, month) {
  const [y, m] = month.split("-").map(Number);
  const days = new Date(Date.UTC(y, m, 0)).getUTCDate();
  const lead = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // weeks start on Monday
  const byDay = new Map();
  for (const s of sessions.filter((s) => monthOf(s.date) === month)) {
    const day = Number(s.date.slice(8, 10));
    byDay.set(day, [...(byDay.get(day) || []), s]);
  }
  const cells = [];
  for (let i = 0; i < lead; i += 1) cells.push(h("div", { class: "day empty" }));
  for (let day = 1; day <= days; day += 1) {
    const here = byDay.get(day) || [];
    cells.push(h("div", { class: here.length ? "day busy" : "day", "data-day": day },
      h("span", { class: "day-number" }, day),
      here.map((s) => h("a", { class: "session", href: `#/station/${s.stationId}`, "data-session": s.id,
                               title: `${s.supervisor?.name || ""} · ${t(`sessionForm.${s.form}`)}` },
        s.station?.name || s.stationId))));
  }
  return h("div", { class: "calendar", "data-month": month },
    ["1", "2", "3", "4", "5", "6", "7"].map((d) => h("div", { class: "weekday" }, t(`weekday.${d}`))), cells);
}

function followUpRows(sessions) {
  const rows = [];
  for (const s of sessions) {
    for (const f of s.followUps) {
      if (f.status === "DONE") continue;
      rows.push({ ...f, session: s });
    }
  }
  return rows.sort((a, b) => (a.status === b.status ? a.dueOn.localeCompare(b.dueOn) : a.status === "OVERDUE" ? -1 : 1));
}

export async function renderSupervision(main, code) {
  const calendarBox = h("div", { "data-role": "calendar" }, t("app.loading"));
  const title = h("span", { "data-role": "month" });
  const follow = h("tbody");
  const prev = h("button", { type: "button", "data-role": "previous-month" }, t("supervision.previous"));
  const next = h("button", { type: "button", "data-role": "next-month" }, t("supervision.next"));
  main.append(
    h("section", { class: "panel", id: "follow-ups" }, h("h2", {}, t("supervision.followUps")),
      h("table", { class: "data-table" }, h("thead", {}, h("tr", {},
        ["dueOn", "status", "station", "description", "owner", "session"].map((k) => h("th", { scope: "col" }, t(`followUp.column.${k}`))))),
      follow)),
    h("section", { class: "panel", id: "calendar" }, h("h2", {}, t("supervision.calendar"), " ", title),
      h("div", { class: "filters" }, prev, next), calendarBox));

  const [all, open] = await Promise.all([data.sessions(code), data.sessions(code, { openFollowUps: true })]);
  clear(follow);
  if (data.isProblem(open)) follow.append(h("tr", {}, h("td", { colspan: 6, class: "error" }, t("app.error", { message: open.message }))));
  else {
    const rows = followUpRows(open);
    if (!rows.length) follow.append(h("tr", {}, h("td", { colspan: 6 }, t("supervision.noFollowUps"))));
    follow.append(...rows.map((f) => h("tr", { "data-follow-up": f.followUpId, "data-status": f.status,
                                                class: f.status === "OVERDUE" ? "overdue" : null },
      h("td", {}, f.dueOn), h("td", {}, h("span", { class: `badge ${f.status.toLowerCase()}` }, t(`followUpStatus.${f.status}`))),
      h("td", {}, h("a", { href: `#/station/${f.session.stationId}` }, f.session.station?.name || f.session.stationId)),
      h("td", {}, f.description ?? "—"), h("td", {}, f.owner), h("td", {}, f.session.date))));
  }

  if (data.isProblem(all)) { clear(calendarBox).append(h("p", { class: "error" }, t("app.error", { message: all.message }))); }
  else {
    let month = new Date().toISOString().slice(0, 7);
    const draw = () => {
      title.textContent = t("supervision.month", { month });
      clear(calendarBox).append(calendar(all, month),
        h("p", { class: "hint" }, t("supervision.monthCount", { n: all.filter((s) => monthOf(s.date) === month).length })));
    };
    prev.addEventListener("click", () => { month = shiftMonth(month, -1); draw(); });
    next.addEventListener("click", () => { month = shiftMonth(month, 1); draw(); });
    draw();
  }
  main.dataset.ready = "true";
}
