// A proof drawn as a small graph (inline SVG, no library): entities as nodes, predicates as
// edges, the chain of asserted steps top to bottom in order, the inferred edge highlighted.
import { h, s } from "./dom.js";

const NODE_H = 26;
const ROW = 62;
const LEFT = 36; // room on the left for arcs between nodes that are not neighbours
const FONT = 12;
const MAX_CHARS = 30;
let drawn = 0; // unique marker ids per graph

function textWidth(text) {
  let width = 0;
  for (const ch of text) width += ch.charCodeAt(0) > 0x2e80 ? FONT : FONT * 0.6;
  return width;
}

function shorten(text) {
  const chars = [...text];
  return chars.length > MAX_CHARS ? `${chars.slice(0, MAX_CHARS - 1).join("")}…` : text;
}

/**
 * fact: {subject, predicate, object} and steps: [{subject, predicate, object}], all labels.
 * Returns an <svg> whose edges carry data-subject/-predicate/-object, data-inferred and data-order.
 */
export function proofGraph(fact, steps) {
  const names = [];
  const add = (name) => {
    if (!names.includes(name)) names.push(name);
  };
  add(fact.subject);
  for (const step of steps) {
    add(step.subject);
    add(step.object);
  }
  add(fact.object);
  // the inferred object last, so the chain reads downwards from subject to conclusion
  names.splice(names.indexOf(fact.object), 1);
  names.push(fact.object);

  const widths = names.map((n) => Math.min(textWidth(shorten(n)) + 20, 260));
  const right = LEFT + Math.max(...widths);
  const y = (i) => 10 + i * ROW;
  const index = new Map(names.map((n, i) => [n, i]));
  const inferredLabel = `${fact.predicate} (inferred)`;
  const arcX = right + 48;
  const a = index.get(fact.subject);
  const b = index.get(fact.object);
  const [x0, x3] = [LEFT + widths[a], LEFT + widths[b] + 2];
  const arcMid = 0.125 * x0 + 0.75 * arcX + 0.125 * x3; // the cubic's rightmost point
  const width = Math.max(arcMid + 8 + textWidth(inferredLabel), right + 16, 240);
  const id = `proof-${(drawn += 1)}`;
  const height = y(names.length - 1) + NODE_H + 10;

  const description = `${steps.map((st) => `${st.subject} ${st.predicate} ${st.object}`).join("; ")}; therefore ${
    fact.subject
  } ${fact.predicate} ${fact.object}`;
  const svg = s("svg", {
    class: "proof-graph",
    viewBox: `0 0 ${Math.ceil(width)} ${height}`,
    width: Math.ceil(width),
    height,
    role: "img",
    "aria-label": `Proof: ${description}`,
  });
  svg.append(
    s(
      "defs",
      {},
      s(
        "marker",
        { id: `${id}-arrow`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head" }),
      ),
      s(
        "marker",
        { id: `${id}-inferred`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9, markerUnits: "userSpaceOnUse", orient: "auto" },
        s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrow-head inferred" }),
      ),
    ),
  );

  steps.forEach((step, order) => {
    const a = index.get(step.subject);
    const b = index.get(step.object);
    let path;
    let labelAt;
    const x = LEFT + 18;
    if (b === a + 1) {
      path = `M${x},${y(a) + NODE_H} L${x},${y(b) - 2}`;
      labelAt = [x + 8, (y(a) + NODE_H + y(b)) / 2 + 4];
    } else {
      // a step between nodes that are not neighbours: an arc on the left
      const [top, bottom] = [Math.min(a, b), Math.max(a, b)];
      const bend = LEFT - 34;
      path = `M${LEFT},${y(a) + NODE_H / 2} C${bend},${y(a) + NODE_H / 2} ${bend},${y(b) + NODE_H / 2} ${LEFT - 2},${
        y(b) + NODE_H / 2
      }`;
      labelAt = [x + 8, (y(top) + y(bottom) + NODE_H) / 2];
    }
    svg.append(
      s(
        "g",
        {
          class: "edge asserted",
          dataset: { subject: step.subject, predicate: step.predicate, object: step.object, inferred: "false", order },
        },
        s("title", {}, `${order + 1}. ${step.subject} ${step.predicate} ${step.object}`),
        s("path", { d: path, "marker-end": `url(#${id}-arrow)` }),
        s("text", { x: labelAt[0], y: labelAt[1], class: "edge-label" }, `${order + 1}. ${step.predicate}`),
      ),
    );
  });

  const ya = y(a) + NODE_H / 2;
  const yb = y(b) + NODE_H / 2;
  svg.append(
    s(
      "g",
      {
        class: "edge inferred",
        dataset: { subject: fact.subject, predicate: fact.predicate, object: fact.object, inferred: "true" },
      },
      s("title", {}, `inferred: ${fact.subject} ${fact.predicate} ${fact.object}`),
      s("path", {
        d: `M${x0},${ya} C${arcX},${ya} ${arcX},${yb} ${x3},${yb}`,
        "marker-end": `url(#${id}-inferred)`,
      }),
      s("text", { x: arcMid + 6, y: (ya + yb) / 2 + 4, class: "edge-label inferred" }, inferredLabel),
    ),
  );

  names.forEach((name, i) => {
    svg.append(
      s(
        "g",
        { class: `node${i === a ? " from" : ""}${i === b ? " to" : ""}`, dataset: { label: name } },
        s("title", {}, name),
        s("rect", { x: LEFT, y: y(i), width: widths[i], height: NODE_H, rx: 6 }),
        s("text", { x: LEFT + 10, y: y(i) + NODE_H / 2 + 4 }, shorten(name)),
      ),
    );
  });
  return svg;
}

/** The proof as an ordered list of sentences (the graph's text equivalent). */
export function proofSteps(steps) {
  return h(
    "ol",
    { class: "proof-steps" },
    steps.map((st) => h("li", {}, `${st.subject} — ${st.predicate} → ${st.object}`)),
  );
}
