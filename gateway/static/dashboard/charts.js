// Charts with the vendored ECharts (a classic script that defines window.echarts before the modules run).
// One instance per container, resized with its container, so the same page fits 1280×720 and a wall.
import { h } from "dashboard/dom.js";
import { t } from "dashboard/i18n.js";

const PALETTE = { met: "#2e8b57", notMet: "#d64541", atRisk: "#f0a030", unknown: "#9aa5b1",
                  notApplicable: "#c8ced6", onTrack: "#4a90d9" };
const SERIES_COLOURS = ["#3867d6", "#20bf6b", "#f7b731", "#eb3b5a", "#8854d0", "#0fb9b1"];
const live = new Set();

const resizer = new ResizeObserver((entries) => {
  for (const entry of entries) globalThis.echarts?.getInstanceByDom(entry.target)?.resize();
});

// ECharts is an async script: the figures draw without it, the charts as soon as it has run.
const echartsReady = new Promise((resolve) => {
  if (globalThis.echarts) return resolve();
  const script = document.querySelector("script[data-echarts]");
  script?.addEventListener("load", () => resolve(), { once: true });
  if (!script) resolve();
});

async function chart(container, option) {
  await echartsReady;
  const echarts = globalThis.echarts;
  if (!echarts || !container.isConnected) return null;
  const instance = echarts.init(container, null, { renderer: "canvas" });
  instance.setOption({ color: SERIES_COLOURS, animationDuration: 300, textStyle: { fontFamily: "inherit" },
                       tooltip: { trigger: "axis", confine: true }, ...option });
  resizer.observe(container);
  live.add(instance);
  return instance;
}

// Dispose of the charts of the view being left, so a long-open wall display does not leak them.
export function disposeAll() {
  for (const instance of live) {
    resizer.unobserve(instance.getDom());
    instance.dispose();
  }
  live.clear();
}

export function chartBox(titleKey, className = "") {
  const canvas = h("div", { class: "chart-canvas" });
  const box = h("figure", { class: `chart ${className}`.trim() }, h("figcaption", {}, t(titleKey)), canvas);
  return { box, canvas };
}

export function noTrend(canvas, key = "figure.noTrend") {
  canvas.append(h("p", { class: "no-trend" }, t(key)));
}

const axis = (categories) => ({ type: "category", data: categories, axisLabel: { interval: 0, hideOverlap: true } });
const legend = { bottom: 0, type: "scroll" };
const grid = { left: 8, right: 12, top: 12, bottom: 36, containLabel: true };

export function complianceByRule(canvas, byRule) {
  const keys = ["met", "onTrack", "atRisk", "notMet", "unknown", "notApplicable"];
  return chart(canvas, {
    grid, legend, yAxis: axis(byRule.map((r) => t(`rule.${r.rule}`))), xAxis: { type: "value", minInterval: 1 },
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    // Only the statuses that occur: six always-zero series would crowd the legend off its line.
    series: keys.filter((key) => byRule.some((r) => r[key])).map((key) => (
      { name: t(`series.${key}`), type: "bar", stack: "rule", itemStyle: { color: PALETTE[key] },
        data: byRule.map((r) => r[key]) })),
  });
}

export function complianceTrend(canvas, rows) {
  const keys = ["met", "atRisk", "notMet", "unknown"];
  return chart(canvas, {
    grid, legend, xAxis: axis(rows.map((r) => r.asOf.slice(0, 7))), yAxis: { type: "value", minInterval: 1 },
    series: keys.map((key) => ({ name: t(`series.${key}`), type: "line", smooth: true, itemStyle: { color: PALETTE[key] },
                                 data: rows.map((r) => r[key]) })),
  });
}

export function pie(canvas, items) {
  return chart(canvas, {
    tooltip: { trigger: "item", confine: true },
    series: [{ type: "pie", radius: ["38%", "62%"], center: ["50%", "50%"], label: { formatter: "{b}\n{d}%" },
               data: items.filter((item) => item.value > 0) }],
  });
}

export function bars(canvas, categories, series, { horizontal = false, stack = null } = {}) {
  const valueAxis = { type: "value" };
  return chart(canvas, {
    grid, legend, xAxis: horizontal ? valueAxis : axis(categories), yAxis: horizontal ? axis(categories) : valueAxis,
    tooltip: { trigger: "axis", axisPointer: { type: "shadow" }, confine: true },
    series: series.map((s) => ({ type: "bar", stack, ...s })),
  });
}

export function lines(canvas, categories, series) {
  return chart(canvas, {
    grid, legend, xAxis: axis(categories),
    yAxis: series.map((s, i) => ({ type: "value", position: i ? "right" : "left", splitLine: { show: !i } })),
    series: series.map((s, i) => ({ type: i ? "line" : "bar", yAxisIndex: i, ...s })),
  });
}

// A figure's months at a glance under its number: one line, no axes or legend (the tooltip gives values).
export function sparkline(canvas, months, name, values) {
  return chart(canvas, {
    grid: { left: 4, right: 4, top: 6, bottom: 4 },
    xAxis: { type: "category", data: months, show: false, boundaryGap: false },
    yAxis: { type: "value", show: false },
    series: [{ type: "line", name, data: values, symbol: "none", smooth: true, lineStyle: { width: 2 },
               areaStyle: { opacity: 0.12 }, connectNulls: false }],
  });
}
