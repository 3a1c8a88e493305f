// Labels by key from the active language's messages. Only zh-CN exists; adding a language is one import
// and one entry in CATALOGUES.
import zhCN from "dashboard/messages.zh-CN.js";

const CATALOGUES = { "zh-CN": zhCN };
const FALLBACK = "zh-CN";

let active = CATALOGUES[document.documentElement.lang] || CATALOGUES[FALLBACK];

export function setLanguage(tag) {
  active = CATALOGUES[tag] || CATALOGUES[FALLBACK];
}

export function t(key, params) {
  const text = active[key] ?? CATALOGUES[FALLBACK][key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name) => (name in params ? String(params[name]) : whole));
}

export const locale = () => (active === CATALOGUES["zh-CN"] ? "zh-CN" : FALLBACK);
