// Bar charts as inline SVG (horizontal bars read well at any width).
import { h, s } from "./dom.js";

const BAR = 16;
const GAP = 6;
const LABEL_W = 110;
const PLOT_W = 220;
const VALUE_W = 56;

/**
 * groups: [{label, bars: [{series, value}]}] with values in 0..1 (null: no data);
 * series: the names, in legend order (their index picks the colour class).
 */
export function barChart(title, groups, series, format) {
  const width = LABEL_W + PLOT_W + VALUE_W;
  let y = 4;
  const body = [];
  for (const group of groups) {
    const top = y;
    for (const bar of group.bars) {
      const index = series.indexOf(bar.series);
      const w = bar.value === null || bar.value === undefined ? 0 : Math.max(0, Math.min(1, bar.value)) * PLOT_W;
      body.push(
        s(
          "g",
          { class: `bar series-${index}`, dataset: { group: group.label, series: bar.series, value: bar.value ?? "" } },
          s("title", {}, `${group.label}, ${bar.series}: ${format(bar.value)}`),
          s("rect", { x: LABEL_W, y, width: Math.max(w, 1), height: BAR, rx: 2 }),
          s("text", { x: LABEL_W + w + 4, y: y + BAR - 4, class: "bar-value" }, format(bar.value)),
        ),
      );
      y += BAR + 2;
    }
    const label = group.bars.length > 1 ? group.label : `${group.label}`;
    body.push(s("text", { x: LABEL_W - 6, y: (top + y) / 2 + 4, class: "bar-label", "text-anchor": "end" }, label));
    y += GAP;
  }
  body.push(s("line", { x1: LABEL_W, y1: 0, x2: LABEL_W, y2: y, class: "axis" }));
  const svg = s("svg", { class: "chart", viewBox: `0 0 ${width} ${y}`, width, height: y, role: "img", "aria-label": title }, body);
  const legend =
    series.length > 1
      ? h("ul", { class: "legend" }, series.map((name, i) => h("li", { class: `series-${i}` }, h("span", { class: "swatch" }), name)))
      : null;
  return h("figure", { class: "chart-figure" }, h("figcaption", {}, title), legend, h("div", { class: "graph-wrap" }, svg));
}
