// The view of one region: headline figures, their charts, the child regions and the station table.
// Every request starts at once and each part draws as soon as its own answer is in, so the first
// figures appear before the slower station list.
import * as data from "dashboard/data.js";
import * as charts from "dashboard/charts.js";
import { h, clear, formatInt, formatDecimal, formatPercent, wanYuan, unavailable, isNumber } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";
import { dataTable } from "dashboard/table.js";
import { exportButtons } from "dashboard/exports.js";
import { renderRollups } from "dashboard/rollups.js";

// Which station field names the child region a station lies in, by the level of the region shown.
const CHILD_KEY = { PROVINCE: "cityCode", CITY: "countyCode", COUNTY: "townshipCode" };
const FIGURES = ["stations", "coverage", "compliance", "staff", "archives", "freshness", "cases", "breaches",
                 "visits", "volunteers", "unmet", "money"];
// The child-region column a headline figure drills down to.
const DRILL_COLUMN = { stations: "stations", coverage: "stations", compliance: "notMet", staff: "stations",
                       archives: "households", freshness: "overdue", cases: "open", breaches: "breaches",
                       visits: "visits", volunteers: "visits", unmet: "unmet", money: "disbursed" };

function card(key, onDrill) {
  const value = h("div", { class: "figure-value", "data-role": "value" }, t("app.loading"));
  const detail = h("div", { class: "figure-detail", "data-role": "detail" });
  const element = h("button", { type: "button", class: "figure loading", "data-figure": key, title: t("figure.drill"),
                                onclick: () => onDrill(key) },
    h("div", { class: "figure-label" }, t(`fig.${key}`)), value, detail);
  return {
    element,
    // `shown` is the number as displayed; data-value keeps the raw figure for tests and screen readers.
    set(raw, shown, detailText = "") {
      element.classList.remove("loading");
      clear(value);
      const missing = unavailable(raw);
      if (missing) {
        value.append(missing);
        element.dataset.state = missing.dataset.state;
      } else {
        value.textContent = shown;
        element.dataset.value = String(raw);
        element.dataset.state = "ok";
      }
      detail.textContent = missing ? "" : detailText;
    },
  };
}

function breadcrumb(region) {
  const trail = [];
  if (region.parent) trail.push(region.parent);
  return h("nav", { class: "breadcrumb", "aria-label": t("nav.breadcrumb") },
    trail.map((r) => [h("a", { href: `#/region/${r.code}` }, r.name), " › "]),
    h("span", { "aria-current": "page" }, region.name));
}

export async function renderRegion(root, code, viewer) {
  // The region's name and the two roll-ups that fill most headline figures go alone; everything else once
  // the first of them is in, so that nothing queues in front of them for the browser's six connections and
  // the gateway's workers (measured: nine queries at once took each of them from ~0.1 s to ~0.5 s).
  const first = { region: data.region(code), compliance: data.compliance(code), rollup: data.rollup(code) };
  const firstFigures = Promise.race([first.compliance, first.rollup]);
  const after = (load) => firstFigures.then(load, load);
  const requests = {
    ...first, archives: after(() => data.archives(code)), cases: after(() => data.cases(code)),
    volunteers: after(() => data.volunteers(code)), unmet: after(() => data.unmetNeeds(code)),
    money: after(() => data.money(code)), stations: after(() => data.stations(code)),
    trend: after(() => data.complianceTrend(code)), outcomes: after(() => data.outcomes(code)),
  };

  const header = h("header", { class: "region-header" }, h("h1", { "data-role": "region-name" }, t("app.loading")));
  const figures = h("section", { class: "figures", "aria-label": t("app.title") });
  const chartGrid = h("section", { class: "charts" });
  const childSection = h("section", { class: "children", id: "children" }, h("h2", {}, t("children.title")));
  const stationSection = h("section", { class: "stations", id: "stations" }, h("h2", {}, t("stations.title")));
  const rollupSection = h("section", { class: "rollup-section", id: "rollups" });
  root.append(header, figures, chartGrid, rollupSection, childSection, stationSection);

  let childTable = null;
  const drill = (key) => {
    childTable?.sortBy(DRILL_COLUMN[key], "descending");
    childSection.scrollIntoView({ behavior: "smooth", block: "start" });
  };
  const cards = Object.fromEntries(FIGURES.map((key) => [key, card(key, drill)]));
  figures.append(...FIGURES.map((key) => cards[key].element));

  const box = (titleKey) => { const b = charts.chartBox(titleKey); chartGrid.append(b.box); return b.canvas; };
  const canvases = { rules: box("chart.complianceByRule"), trend: box("chart.complianceTrend"),
                     bySource: box("chart.moneyBySource"), byYear: box("chart.moneyByYear"),
                     visits: box("chart.visitsByYear"), unmet: box("chart.unmetByDomain"),
                     stages: box("chart.casesByStage"), children: box("chart.children") };

  const regionInfo = requests.region.then((region) => {
    if (data.isProblem(region) || !region) {
      header.querySelector("h1").textContent = t("figure.unavailable");
      return null;
    }
    clear(header).append(breadcrumb(region),
      h("h1", { "data-role": "region-name", "data-code": region.code }, region.name),
      h("span", { class: "level" }, t(`level.${region.level}`)));
    return region;
  });

  requests.compliance.then((rollup) => {
    if (data.isProblem(rollup) || !rollup) {
      for (const key of ["stations", "compliance"]) cards[key].set(rollup);
      return;
    }
    cards.stations.set(rollup.stations, formatInt(rollup.stations), t("fig.stations.operating", { n: rollup.operating }));
    const s = rollup.byStatus;
    cards.compliance.set(s.met, formatInt(s.met), t("fig.compliance.detail", s));
    charts.complianceByRule(canvases.rules, rollup.byRule);
    if (rollup.asOf) header.append(h("span", { class: "as-of" }, t("app.asOf", { date: rollup.asOf })));
  });

  requests.trend.then((rows) => {
    if (data.isProblem(rows) || rows.length < 2) charts.noTrend(canvases.trend);
    else charts.complianceTrend(canvases.trend, rows);
  });

  // Archives, cases and crisis contacts: the supervision roll-up's headline figures (this year's period).
  requests.rollup.then((r) => {
    if (data.isProblem(r) || !r) { for (const key of ["archives", "freshness", "cases", "breaches"]) cards[key].set(r); return; }
    const hh = r.households;
    const assessed = hh.registered - hh.neverAssessed;
    cards.archives.set(assessed, formatPercent(assessed, hh.registered),
      t("fig.archives.detail", { households: formatInt(hh.registered), never: formatInt(hh.neverAssessed) }));
    cards.freshness.set(hh.currentArchive, formatPercent(hh.currentArchive, hh.registered),
      t("fig.freshness.detail", { overdue: formatInt(hh.registered - hh.currentArchive) }));
    cards.cases.set(r.cases.open, formatInt(r.cases.open), t("fig.cases.rollupDetail", { opened: r.cases.opened, closed: r.cases.closed }));
    cards.breaches.set(r.crisis.breaches, formatInt(r.crisis.breaches),
      t("fig.breaches.rollupDetail", { flagged: r.crisis.flagged, awaiting: r.crisis.awaitingContact }));
  });

  requests.cases.then((c) => {
    if (data.isProblem(c) || !c) { charts.noTrend(canvases.stages); return; }
    const stages = ["intake", "assessment", "plan", "inService", "review"];
    const totals = stages.map((stage) => c.stations.reduce((sum, s) => sum + (s.openByStage?.[stage] || 0), 0));
    charts.bars(canvases.stages, stages.map((stage) => t(`stage.${stage}`)), [{ name: t("fig.cases"), data: totals }]);
  });

  // This year's hours are the hours approved in the region (the roll-up), not costOutcome's hours of services
  // delivered to casework households, which leaves out every approved hour spent on anything else.
  Promise.all([requests.volunteers, requests.rollup]).then(([count, r]) => {
    const hours = data.isProblem(r) || !r ? null : r.volunteers?.hoursApproved;
    cards.volunteers.set(count, data.isProblem(count) ? "" : formatInt(count),
      isNumber(hours) ? t("fig.volunteers.detail", { hours: formatDecimal(hours) }) : "");
  });

  requests.outcomes.then((years) => {
    const thisYear = data.isProblem(years) ? years : years[years.length - 1];
    if (data.isProblem(thisYear)) { cards.visits.set(thisYear); charts.noTrend(canvases.visits); return; }
    const o = thisYear.outcomes;
    cards.visits.set(o.visits, formatInt(o.visits), t("fig.visits.detail", { households: o.householdsServed, closed: o.casesClosed }));
    charts.lines(canvases.visits, years.map((y) => String(y.year)), [
      { name: t("series.visits"), data: years.map((y) => y.outcomes.visits) },
      { name: t("series.volunteerHours"), data: years.map((y) => y.outcomes.volunteerHours) }]);
  });

  requests.unmet.then((u) => {
    if (data.isProblem(u) || !u) { cards.unmet.set(u); charts.noTrend(canvases.unmet); return; }
    cards.unmet.set(u.total, formatInt(u.total), t("fig.unmet.detail", { domains: u.byDomain.filter((d) => d.count).length }));
    charts.bars(canvases.unmet, u.byDomain.map((d) => t(`domain.${d.key.toUpperCase()}`)),
      [{ name: t("fig.unmet"), data: u.byDomain.map((d) => d.count) }], { horizontal: true });
  });

  requests.money.then((m) => {
    if (data.isProblem(m) || !m) { cards.money.set(m); charts.noTrend(canvases.bySource); charts.noTrend(canvases.byYear); return; }
    cards.money.set(m.total.disbursedFen, wanYuan(m.total.disbursedFen),
      t("fig.money.detail", { allocated: wanYuan(m.total.allocatedFen), flagged: wanYuan(m.total.flaggedFen) }));
    charts.pie(canvases.bySource, m.byKind.map((k) => ({ name: t(`kind.${k.sourceKind}`), value: k.disbursedFen / 100 })));
    const years = m.byYear.slice().sort((a, b) => a.year - b.year);
    if (years.length < 2) { charts.noTrend(canvases.byYear); return; }
    charts.bars(canvases.byYear, years.map((y) => String(y.year)), ["allocated", "disbursed", "flagged"].map((key) => (
      { name: t(`series.${key}`), data: years.map((y) => y[`${key}Fen`] / 100) })));
  });

  const [region, stations, archives, cases, unmet, outcomes] = await Promise.all([
    regionInfo, requests.stations, requests.archives, requests.cases, requests.unmet, requests.outcomes]);

  if (data.isProblem(stations)) {
    cards.staff.set(stations); cards.coverage.set(stations);
  } else {
    const current = stations.filter((s) => s.status === "OPERATING");
    const staff = stations.reduce((n, s) => n + s.staff, 0);
    const professional = stations.reduce((n, s) => n + s.professional, 0);
    const hours = stations.reduce((n, s) => n + s.trainingHours, 0);
    cards.staff.set(staff, formatInt(staff), t("fig.staff.detail", { professional, hours: staff ? formatDecimal(hours / staff) : "—" }));
    const townships = region ? townshipCount(region) : null;
    const covered = new Set(current.map((s) => s.townshipCode)).size;
    if (isNumber(townships)) {
      cards.coverage.set(covered, formatPercent(covered, townships), t("fig.coverage.detail", { covered, total: townships }));
    } else cards.coverage.set(new data.Problem("NOT_APPLICABLE"));
  }

  const byStation = (summary, id) => (data.isProblem(summary) || !summary ? null : summary.stations.find((s) => s.stationId === id));
  const rows = data.isProblem(stations) ? [] : stations.map((s) => {
    const a = byStation(archives, s.id);
    const c = byStation(cases, s.id);
    return { ...s, households: a ? a.households : 0, overdue: a ? a.overdue : 0, open: c ? c.open : 0,
             breaches: c ? c.crisisBreaches : 0 };
  });

  if (region && region.children?.length && CHILD_KEY[region.level]) {
    childTable = childRegionTable(region, rows, unmet, outcomes, stations);
    childSection.append(exportButtons(childTable, { kind: "children", regionCode: region.code,
      title: `${region.name}${t("export.children")}` }), childTable.element);
    const names = childTable.spec.rows.map((r) => r.name);
    charts.bars(canvases.children, names, ["overdue", "open", "breaches"].map((key) => (
      { name: t(`children.${key}`), data: childTable.spec.rows.map((r) => r[key]) })));
  } else {
    childSection.remove();
    charts.noTrend(canvases.children, "figure.noData");
  }

  if (data.isProblem(stations)) stationSection.append(unavailable(stations));
  else {
    const table = stationTable(rows);
    stationSection.append(exportButtons(table, { kind: "stations", regionCode: code,
      title: `${region ? region.name : code}${t("export.stations")}` }), table.element);
  }
  root.dataset.ready = "true";
  // The roll-up section's eight roll-ups (the region's and six months of trend) come last: they are the
  // heaviest queries of the view, and nothing above waits for them.
  renderRollups(rollupSection, code, region?.name).finally(() => { rollupSection.dataset.ready = "true"; });
}

function townshipCount(region) {
  if (region.level === "COUNTY") return region.children.length;
  if (region.level === "CITY") return region.children.reduce((n, c) => n + (c.children?.length || 0), 0);
  return null; // a province's townships are two levels down: not asked for
}

function childRegionTable(region, rows, unmet, outcomes, stations) {
  const key = CHILD_KEY[region.level];
  const thisYear = data.isProblem(outcomes) ? null : outcomes[outcomes.length - 1];
  const children = region.children.map((child) => {
    const mine = rows.filter((r) => r[key] === child.code);
    const sum = (field) => mine.reduce((n, r) => n + r[field], 0);
    const money = thisYear?.byRegion.find((r) => r.regionCode === child.code);
    return {
      code: child.code, name: child.name, level: child.level, stations: mine.length,
      met: mine.filter((r) => r.compliance === "MET").length, notMet: mine.filter((r) => r.compliance === "NOT_MET").length,
      households: sum("households"), overdue: sum("overdue"), open: sum("open"), breaches: sum("breaches"),
      unmet: data.isProblem(unmet) || !unmet ? unmet
        : unmet.byRegion.filter((u) => u.regionCode === child.code).reduce((n, u) => n + u.count, 0),
      disbursed: money ? money.disbursedFen : (data.isProblem(outcomes) ? outcomes : 0),
      visits: money ? money.outcomes.visits : (data.isProblem(outcomes) ? outcomes : 0),
      station: child.level === "TOWNSHIP" && !data.isProblem(stations) ? stations.find((s) => s.townshipCode === child.code) : null,
    };
  });
  const int = (k, label) => ({ key: k, label: t(label), type: "int", value: (r) => r[k] });
  const table = dataTable({
    id: "child-table",
    columns: [{ key: "name", label: t("children.region"), type: "text", value: (r) => r.name },
      int("stations", "children.stations"), int("met", "children.met"), int("notMet", "children.notMet"),
      int("households", "children.households"), int("overdue", "children.overdue"), int("open", "children.open"),
      int("breaches", "children.breaches"), int("unmet", "children.unmet"),
      { key: "disbursed", label: t("children.disbursed"), type: "money", value: (r) => r.disbursed },
      int("visits", "children.visits")],
    rows: children,
    onRow: (r) => {
      if (r.level === "TOWNSHIP") { if (r.station) location.hash = `#/station/${r.station.id}`; }
      else location.hash = `#/region/${r.code}`;
    },
  });
  return table;
}

function stationTable(rows) {
  const int = (k, label) => ({ key: k, label: t(label), type: "int", value: (r) => r[k] });
  return dataTable({
    id: "station-table",
    columns: [
      { key: "name", label: t("col.name"), type: "text", value: (r) => r.name },
      { key: "county", label: t("col.county"), type: "text", value: (r) => r.county },
      { key: "status", label: t("col.status"), type: "text", value: (r) => t(`stationStatus.${r.status}`) },
      { key: "compliance", label: t("col.compliance"), type: "text", value: (r) => t(`status.${r.compliance}`),
        render: (r) => h("span", { class: `badge ${r.compliance.toLowerCase()}` }, t(`status.${r.compliance}`)) },
      { key: "failing", label: t("col.failing"), type: "text", value: (r) => r.failing.map((rule) => t(`rule.${rule}`)).join("、"),
        sortValue: (r) => String(r.failing.length) },
      int("staff", "col.staff"), int("professional", "col.professional"), int("households", "col.households"),
      int("overdue", "col.overdue"), int("open", "col.open"), int("breaches", "col.breaches")],
    rows,
    filterText: (r) => `${r.name} ${r.county} ${r.township}`,
    selects: [{ key: "compliance", label: t("stations.filterCompliance"),
                options: ["MET", "AT_RISK", "NOT_MET", "UNKNOWN"].map((s) => [s, t(`status.${s}`)]),
                test: (r, value) => r.compliance === value }],
    onRow: (r) => { location.hash = `#/station/${r.id}`; },
  });
}
