// Export buttons of a table: the rows as shown (filtered and sorted), sent to the gateway's export
// endpoint, which logs the export in the access log and returns CSV or Excel. Nothing is exported that the
// screen does not show, and the endpoint masks personal-data columns again.
import { h } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";
import { exportTable } from "dashboard/data.js";

function cell(column, row) {
  const value = column.exportValue ? column.exportValue(row) : column.value(row);
  return value === undefined || (value !== null && typeof value === "object") ? null : value;
}

async function download(table, about, format, status) {
  const columns = table.spec.columns.map((c) => ({ label: c.label, type: c.type }));
  const rows = table.visible.map((row) => table.spec.columns.map((c) => cell(c, row)));
  status.textContent = t("export.working");
  const result = await exportTable({ format, table: about.kind, title: about.title, region_code: about.regionCode || null,
                                     station_id: about.stationId || null, columns, rows });
  if (result.problem) {
    status.textContent = t("export.failed", { message: result.problem.message });
    return;
  }
  const url = URL.createObjectURL(result.blob);
  const link = h("a", { href: url, download: `${about.title}.${format}`, hidden: true });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  status.textContent = "";
}

/** @param about {kind, title, regionCode?, stationId?}: what the access log records the export as. */
export function exportButtons(table, about) {
  const status = h("span", { class: "export-status", role: "status" });
  return h("div", { class: "exports", "data-export": about.kind },
    status,
    h("button", { type: "button", "data-format": "csv", onclick: () => download(table, about, "csv", status) }, t("export.csv")),
    h("button", { type: "button", "data-format": "xlsx", onclick: () => download(table, about, "xlsx", status) }, t("export.xlsx")));
}
