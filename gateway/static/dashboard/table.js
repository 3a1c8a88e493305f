// A sortable, filterable table. Columns describe their type (text, int, decimal, money in fen, date,
// percent), which decides sorting and display here and the cell types of an export.
import { h, clear, formatInt, formatDecimal, yuan, unavailable, isNumber } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";

const NUMERIC = new Set(["int", "decimal", "money", "percent"]);

function display(column, row) {
  if (column.render) return column.render(row);
  const value = column.value(row);
  const missing = unavailable(value);
  if (missing) return missing;
  switch (column.type) {
    case "int": return formatInt(value);
    case "decimal": return formatDecimal(value);
    case "money": return yuan(value);
    case "percent": return isNumber(value) ? `${formatDecimal(value)}%` : "—";
    default: return value;
  }
}

function compare(column, direction) {
  const numeric = NUMERIC.has(column.type);
  return (a, b) => {
    const x = column.sortValue ? column.sortValue(a) : column.value(a);
    const y = column.sortValue ? column.sortValue(b) : column.value(b);
    // Missing (suppressed, refused) values always sort last, whichever the direction.
    const xMissing = x === null || x === undefined || typeof x === "object";
    const yMissing = y === null || y === undefined || typeof y === "object";
    if (xMissing || yMissing) return xMissing - yMissing;
    const order = numeric ? x - y : String(x).localeCompare(String(y), "zh-CN");
    return direction === "descending" ? -order : order;
  };
}

/**
 * @param {object} spec  { id, columns: [{key, label, type, value(row), render?(row), sortValue?(row)}],
 *                         rows, filterText?(row) -> string, selects?: [{key, label, options: [[value, label]], test(row, value)}],
 *                         onRow?(row), sort?: {key, direction} }
 */
export function dataTable(spec) {
  const state = { text: "", selects: {}, sort: spec.sort || null };
  const body = h("tbody");
  const count = h("span", { class: "table-count", "data-role": "count" });
  const headers = spec.columns.map((column) => {
    const th = h("th", { scope: "col", "data-key": column.key, class: NUMERIC.has(column.type) ? "num" : "",
                         tabindex: 0, title: t("stations.sortHint") }, column.label);
    const toggle = () => {
      const direction = state.sort?.key === column.key && state.sort.direction === "ascending" ? "descending" : "ascending";
      state.sort = { key: column.key, direction };
      render();
    };
    th.addEventListener("click", toggle);
    th.addEventListener("keydown", (event) => { if (event.key === "Enter" || event.key === " ") { event.preventDefault(); toggle(); } });
    return th;
  });

  function visibleRows() {
    let rows = spec.rows.slice();
    if (state.text && spec.filterText) {
      const needle = state.text.toLowerCase();
      rows = rows.filter((row) => spec.filterText(row).toLowerCase().includes(needle));
    }
    for (const select of spec.selects || []) {
      const chosen = state.selects[select.key];
      if (chosen) rows = rows.filter((row) => select.test(row, chosen));
    }
    if (state.sort) {
      const column = spec.columns.find((c) => c.key === state.sort.key);
      if (column) rows.sort(compare(column, state.sort.direction));
    }
    return rows;
  }

  function render() {
    const rows = visibleRows();
    clear(body);
    for (const row of rows) {
      const tr = h("tr", spec.onRow ? { class: "link", tabindex: 0 } : {},
        spec.columns.map((column) => h("td", { class: NUMERIC.has(column.type) ? "num" : "", "data-key": column.key },
          display(column, row))));
      if (spec.onRow) {
        tr.addEventListener("click", () => spec.onRow(row));
        tr.addEventListener("keydown", (event) => { if (event.key === "Enter") spec.onRow(row); });
      }
      body.append(tr);
    }
    for (const th of headers) {
      th.setAttribute("aria-sort", state.sort?.key === th.dataset.key ? state.sort.direction : "none");
    }
    count.textContent = t("stations.count", { shown: rows.length, total: spec.rows.length });
    table.visible = rows;
  }

  const controls = h("div", { class: "table-controls" });
  if (spec.filterText) {
    controls.append(h("input", { type: "search", class: "table-filter", placeholder: t("stations.filter"),
                                 "aria-label": t("stations.filter"),
                                 oninput: (event) => { state.text = event.target.value.trim(); render(); } }));
  }
  for (const select of spec.selects || []) {
    controls.append(h("label", {}, select.label, " ",
      h("select", { "data-filter": select.key, onchange: (event) => { state.selects[select.key] = event.target.value; render(); } },
        h("option", { value: "" }, t("stations.all")),
        select.options.map(([value, label]) => h("option", { value }, label)))));
  }
  controls.append(count);

  const element = h("div", { class: "table-wrap", id: spec.id },
    controls, h("div", { class: "table-scroll" }, h("table", { class: "data" }, h("thead", {}, h("tr", {}, headers)), body)));
  const table = { element, spec, visible: [],
                  sortBy(key, direction) { state.sort = { key, direction }; render(); } };
  render();
  return table;
}
