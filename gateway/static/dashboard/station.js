// One station: basics, compliance rules with their evidence, staff (masked as the API returns them),
// casework and archive counts, contracts and payments. A station outside the token's scope is "not found".
import * as data from "dashboard/data.js";
import { evaluationPackButton } from "dashboard/reports.js";
import { h, formatInt, formatPercent, unavailable } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";
import { dataTable } from "dashboard/table.js";
import { exportButtons } from "dashboard/exports.js";

function evidenceText(evidence) {
  if (!evidence || typeof evidence !== "object") return "";
  return Object.entries(evidence).map(([key, value]) =>
    `${key}: ${typeof value === "object" && value !== null ? JSON.stringify(value) : value}`).join("；");
}

const section = (titleKey, ...children) => h("section", { class: "panel" }, h("h2", {}, t(titleKey)), children);

function fact(label, value) {
  return [h("dt", {}, label), h("dd", {}, value ?? "—")];
}

export async function renderStation(root, id, viewer) {
  const { station, cases, archives } = await data.station(id);
  if (data.isProblem(station) && !station.forbidden && station.code !== "NOT_FOUND") {
    root.append(h("p", { class: "error", role: "alert" }, t("app.error", { message: station.message })));
    root.dataset.ready = "true";
    return;
  }
  if (data.isProblem(station) || !station) {
    root.append(h("p", { class: "not-found", "data-role": "not-found" }, t("station.notFound")));
    root.dataset.ready = "true";
    return;
  }
  const s = station;
  const cityLink = h("a", { href: `#/region/${s.cityCode}` }, s.cityCode);
  const trail = h("nav", { class: "breadcrumb", "aria-label": t("nav.breadcrumb") }, cityLink,
    " › ", s.county ? h("a", { href: `#/region/${s.county.code}` }, s.county.name) : s.countyCode,
    " › ", h("span", { "aria-current": "page" }, s.name));
  fillCityName(cityLink, s.cityCode);

  const header = h("header", { class: "region-header" }, trail,
    h("h1", { "data-role": "station-name", "data-station": s.id }, s.name),
    h("span", { class: `badge ${s.compliance?.status?.toLowerCase() || "unknown"}`, "data-role": "station-compliance" },
      t(`status.${s.compliance?.status || "UNKNOWN"}`)),
    evaluationPackButton(s.id, viewer));

  const v = s.venue || {};
  const basics = section("station.basics", h("dl", { class: "facts" },
    fact(t("col.status"), t(`stationStatus.${s.status}`)),
    fact(t("col.township"), s.region?.name),
    fact(t("station.operator"), s.operator?.name),
    fact(t("station.coordinator"), s.coordinator ? `${s.coordinator.name}${s.coordinator.title ? `（${s.coordinator.title}）` : ""}` : null),
    fact(t("station.venue"), t("station.venueArea", { area: v.officeAreaM2 ?? "—", rooms: v.activityRooms ?? "—" })),
    s.population ? fact(t("station.population", { residents: formatInt(s.population.residents), year: s.population.year }), "") : null));

  const rules = dataTable({
    id: "rule-table",
    columns: [
      { key: "rule", label: t("station.rule"), type: "text", value: (r) => t(`rule.${r.rule}`) },
      { key: "status", label: t("station.ruleStatus"), type: "text", value: (r) => t(`status.${r.status}`),
        render: (r) => h("span", { class: `badge ${r.status.toLowerCase()}` }, t(`status.${r.status}`)) },
      { key: "since", label: t("station.ruleSince"), type: "date", value: (r) => r.since || "" },
      { key: "evidence", label: t("station.evidence"), type: "text", value: (r) => evidenceText(r.evidence) }],
    rows: s.compliance?.rules || [],
  });

  const load = Object.fromEntries((s.caseload || []).map((c) => [c.staffId, c]));
  const current = (s.staff || []).filter((m) => !m.employmentEnd);
  const staff = dataTable({
    id: "staff-table",
    columns: [
      { key: "name", label: t("staff.name"), type: "text", value: (m) => m.name },
      { key: "idNumber", label: t("staff.idNumber"), type: "id_number", value: (m) => m.idNumber || "" },
      { key: "role", label: t("staff.role"), type: "text", value: (m) => t(`staffRole.${m.role}`) },
      { key: "professional", label: t("staff.professional"), type: "text", value: (m) => t(m.professional ? "yes" : "no") },
      { key: "training", label: t("staff.training"), type: "decimal", value: (m) => m.trainingHoursThisYear },
      { key: "start", label: t("staff.start"), type: "date", value: (m) => m.employmentStart },
      { key: "openCases", label: t("staff.openCases"), type: "int", value: (m) => load[m.id]?.openCases ?? 0 }],
    rows: current,
  });

  const counts = h("dl", { class: "facts", "data-role": "casework" });
  if (data.isProblem(cases) || !cases) counts.append(...fact(t("fig.cases"), unavailable(cases)));
  else {
    counts.append(...fact(t("fig.cases"), h("span", { "data-figure": "cases", "data-value": cases.open }, formatInt(cases.open))),
      ...fact(t("fig.breaches"), h("span", { "data-figure": "breaches", "data-value": cases.crisisBreaches }, formatInt(cases.crisisBreaches))),
      ...fact(t("children.overdue"), formatInt(cases.overdue)));
  }
  if (data.isProblem(archives) || !archives) counts.append(...fact(t("fig.archives"), unavailable(archives)));
  else {
    const assessed = archives.households - archives.neverAssessed;
    counts.append(...fact(t("children.households"), h("span", { "data-figure": "households", "data-value": archives.households },
      formatInt(archives.households))),
      ...fact(t("fig.archives"), formatPercent(assessed, archives.households)),
      ...fact(t("fig.freshness"), formatPercent(archives.households - archives.overdue, archives.households)));
  }

  const contracts = s.contracts || [];
  const contractTable = dataTable({
    id: "contract-table",
    columns: [
      { key: "title", label: t("contract.title"), type: "text", value: (c) => c.title },
      { key: "period", label: t("contract.period"), type: "text", value: (c) => `${c.period.start} ~ ${c.period.end}` },
      { key: "amount", label: t("contract.amount"), type: "money", value: (c) => c.amountFen },
      { key: "paid", label: t("contract.paid"), type: "money", value: (c) => c.paidFen },
      { key: "held", label: t("contract.held"), type: "money", value: (c) => c.heldFen },
      { key: "status", label: t("contract.status"), type: "text", value: (c) => t(`contractStatus.${c.status}`) }],
    rows: contracts,
  });
  const payments = contracts.flatMap((c) => (c.disbursements || []).map((d) => ({ ...d, contract: c.title })));
  const paymentTable = dataTable({
    id: "payment-table",
    columns: [
      { key: "voucher", label: t("disbursement.voucher"), type: "text", value: (d) => d.voucherNumber },
      { key: "paidOn", label: t("disbursement.paidOn"), type: "date", value: (d) => d.paidOn },
      { key: "amount", label: t("disbursement.amount"), type: "money", value: (d) => d.amountFen },
      { key: "source", label: t("disbursement.source"), type: "text", value: (d) => d.sourceName },
      { key: "status", label: t("disbursement.status"), type: "text", value: (d) => t(`disbursementStatus.${d.status}`) }],
    rows: payments, sort: { key: "paidOn", direction: "descending" },
  });

  root.append(header, h("div", { class: "station-grid" },
    basics,
    section("station.casework", counts),
    h("section", { class: "panel wide" }, h("h2", {}, t("station.compliance")), exportButtons(rules, { kind: "rules", stationId: s.id, title: `${s.name}${t("export.rules")}` }), rules.element),
    h("section", { class: "panel wide" }, h("h2", {}, t("station.staff")), exportButtons(staff, { kind: "staff", stationId: s.id, title: `${s.name}${t("export.staff")}` }), staff.element),
    h("section", { class: "panel wide" }, h("h2", {}, t("station.contracts")),
      exportButtons(contractTable, { kind: "contracts", stationId: s.id, title: `${s.name}${t("export.contracts")}` }), contractTable.element, exportButtons(paymentTable, { kind: "payments", stationId: s.id, title: `${s.name}${t("export.payments")}` }), paymentTable.element)));
  root.dataset.ready = "true";
}

async function fillCityName(link, code) {
  const region = await data.region(code);
  if (region && !data.isProblem(region)) link.textContent = region.name;
}
