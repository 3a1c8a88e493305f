// Export buttons of a table. Exports go through the gateway, which logs them; until that endpoint exists
// the tables render an empty button bar, so the layout does not move when it lands.
import { h } from "dashboard/dom.js";

export function exportButtons(table, kind) {
  return h("div", { class: "exports", "data-export": kind });
}
