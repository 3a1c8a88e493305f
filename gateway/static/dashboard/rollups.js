// The 督导汇总 section of a region view: the supervision roll-up's headline counts of people (households,
// cases, visits, crisis contacts) this year, each with its trend month by month, and the same figures for
// each child region. Small township counts come suppressed from the API (privacy in aggregates) and show
// as 「已抑制」, never as zero; a trend month that is suppressed is a gap in its line.
import * as data from "dashboard/data.js";
import * as charts from "dashboard/charts.js";
import { h, formatInt, unavailable } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";
import { dataTable } from "dashboard/table.js";
import { exportButtons } from "dashboard/exports.js";

export const HEADLINES = ["households.registered", "households.current_archive", "cases.open", "cases.opened",
                          "cases.closed", "visits.count", "crisis.flagged", "crisis.breaches"];

function headline(key, value, reason, trend) {
  const missing = unavailable(value);
  const canvas = h("div", { class: "spark", "data-role": "trend" });
  const element = h("div", { class: "figure rollup-figure", "data-rollup": key, "data-state": missing ? "suppressed" : "ok",
                             "data-value": missing ? null : String(value) },
    h("div", { class: "figure-label" }, t(`rollup.${key}`)),
    h("div", { class: "figure-value" }, missing || formatInt(value)),
    h("div", { class: "figure-detail" }, missing && reason ? t(`suppressed.${reason}`) : ""), canvas);
  return { element, draw: () => {
    if (data.isProblem(trend) || trend.length < 2) { charts.noTrend(canvas); return; }
    charts.sparkline(canvas, trend.map((m) => m.month), t(`rollup.${key}`), trend.map((m) => m.values[key] ?? null));
  } };
}

export async function renderRollups(section, code, regionName) {
  const grid = h("div", { class: "figures rollups" });
  section.append(h("h2", {}, t("rollup.title")), h("p", { class: "hint", "data-role": "rollup-hint" }, t("app.loading")), grid);
  const [figures, trend] = await Promise.all([data.protectedRollup(code), data.protectedTrend(code)]);
  const hint = section.querySelector("[data-role=rollup-hint]");
  if (data.isProblem(figures) || !figures) {
    hint.replaceChildren(unavailable(figures) || t("figure.unavailable"));
    return;
  }
  hint.textContent = t("rollup.hint", { threshold: figures.threshold });
  const cards = HEADLINES.map((key) => headline(key, figures.region.values[key], figures.region.reasons[key], trend));
  grid.append(...cards.map((c) => c.element));
  cards.forEach((c) => c.draw());
  if (!figures.children.length) return;
  const column = (key) => ({ key, label: t(`rollup.${key}`), type: "int", value: (r) => r.values[key] ?? null });
  const table = dataTable({
    id: "rollup-children",
    columns: [{ key: "name", label: t("children.region"), type: "text", value: (r) => r.name || r.regionCode },
      ...HEADLINES.map(column)],
    rows: figures.children,
    onRow: (r) => { if (r.regionCode.length === 6) location.hash = `#/region/${r.regionCode}`; },
  });
  section.append(exportButtons(table, { kind: "rollup", regionCode: code, title: `${regionName || code}${t("rollup.title")}` }),
    table.element);
}
