// Small DOM and number helpers. Text always goes in as text nodes, never as HTML: station names, staff
// names and evidence come from users of the platform.
import { t, locale } from "dashboard/i18n.js";
import { isProblem } from "dashboard/data.js";

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(element.dataset, value);
    else element.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function clear(element) {
  while (element.firstChild) element.firstChild.remove();
  return element;
}

const integer = () => new Intl.NumberFormat(locale(), { maximumFractionDigits: 0 });
const decimal = () => new Intl.NumberFormat(locale(), { maximumFractionDigits: 1 });
const money = () => new Intl.NumberFormat(locale(), { minimumFractionDigits: 2, maximumFractionDigits: 2 });

export const formatInt = (n) => integer().format(n);
export const formatDecimal = (n) => decimal().format(n);
export const formatPercent = (part, whole) => (whole ? `${decimal().format((100 * part) / whole)}%` : "—");
// Fen are integers; yuan with two decimals is what every financial table in China shows.
export const yuan = (fen) => money().format(fen / 100);
export const wanYuan = (fen) => `${decimal().format(fen / 1_000_000)} ${t("unit.wan")}`;

// How a figure that is not a plain number shows: suppressed (null) or refused/failed (a Problem).
export function unavailable(value) {
  if (value === null || value === undefined) {
    return h("span", { class: "suppressed", title: t("figure.suppressedHint"), dataset: { state: "suppressed" } },
      t("figure.suppressed"));
  }
  if (isProblem(value)) {
    return h("span", { class: "unavailable", title: value.message, dataset: { state: value.forbidden ? "forbidden" : "error" } },
      t(value.forbidden ? "figure.forbidden" : "figure.unavailable"));
  }
  return null;
}

export const isNumber = (value) => typeof value === "number" && Number.isFinite(value);
