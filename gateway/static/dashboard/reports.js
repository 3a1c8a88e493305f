// The 报表 panel: the kept 月报 and 年报 of the viewer's region, each with its PDF and Excel download.
// Downloads go through the gateway with the same token (GET /reports/<id>.pdf|.xlsx), which checks the scope
// as for the figures and writes the download to the access log.
import * as data from "dashboard/data.js";
import { h, clear } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";

// Who may ask for a station's evaluation pack (the gateway refuses the others): officials and evaluators.
const PACK_ROLES = new Set(["PROVINCE", "CITY", "COUNTY", "EVALUATOR", "ADMIN"]);

function download(file, report, status) {
  return save(file.url, `${report.regionName}${report.period}${t(`reports.kind.${report.kind}`)}.${file.format.toLowerCase()}`, status);
}

async function save(url, filename, status) {
  status.textContent = t("reports.downloading");
  const result = await data.downloadReport(url);
  if (result.problem) {
    status.textContent = t("reports.failed", { message: result.problem.message });
    return;
  }
  const blobUrl = URL.createObjectURL(result.blob);
  const link = h("a", { href: blobUrl, download: filename, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(blobUrl), 10_000);
  status.textContent = "";
}

/** The station page's 评估材料 button, for the roles the evaluation pack is for. */
export function evaluationPackButton(stationId, viewer) {
  if (!viewer || !PACK_ROLES.has(viewer.role)) return null;
  const status = h("span", { class: "export-status", role: "status" });
  return h("span", { class: "exports", "data-export": "evaluation-pack" }, status,
    h("button", { type: "button", "data-role": "evaluation-pack",
                  onclick: () => save(`/reports/evaluation/${encodeURIComponent(stationId)}.pdf`, `${stationId}-${t("reports.evaluationPack")}.pdf`, status) },
    t("reports.evaluationPack")));
}

function row(report) {
  const status = h("span", { class: "export-status", role: "status" });
  return h("tr", { "data-report": report.id },
    h("td", { "data-column": "period" }, report.period),
    h("td", { "data-column": "kind" }, t(`reports.kind.${report.kind}`)),
    h("td", { "data-column": "region" }, report.regionName),
    h("td", { "data-column": "generatedAt" }, report.generatedAt.slice(0, 16).replace("T", " ")),
    h("td", { class: "exports" }, status, report.files.map((file) => h("button", {
      type: "button", "data-format": file.format, onclick: () => download(file, report, status) },
    t(`reports.download.${file.format}`)))));
}

export async function renderReports(main, code) {
  const body = h("tbody");
  const panel = h("section", { class: "panel", id: "reports" }, h("h2", {}, t("reports.title")),
    h("table", { class: "data-table" },
      h("thead", {}, h("tr", {}, ["period", "kind", "region", "generatedAt", "files"].map(
        (key) => h("th", { scope: "col" }, t(`reports.column.${key}`))))), body));
  main.append(panel);
  const reports = await data.reports(code);
  clear(body);
  if (data.isProblem(reports)) {
    body.append(h("tr", {}, h("td", { colspan: 5, class: "error" }, t("app.error", { message: reports.message }))));
  } else if (!reports.length) {
    body.append(h("tr", {}, h("td", { colspan: 5 }, t("reports.none"))));
  } else {
    body.append(...reports.map(row));
  }
  main.dataset.ready = "true";
}
