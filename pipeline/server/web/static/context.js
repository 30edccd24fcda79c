// The answer's context: asserted and inferred triples; inferred ones marked, each with
// its proof drawn as a graph.
import { h } from "./dom.js";
import { proofGraph, proofSteps } from "./proof.js";

const triple = (t) => ({ subject: String(t.subject), predicate: String(t.predicate), object: String(t.object) });

function tripleLine(t, linkTo) {
  const name = (text) => (linkTo ? h("a", { href: linkTo(text) }, text) : h("span", {}, text));
  return h(
    "span",
    { class: "triple" },
    name(t.subject),
    h("span", { class: "predicate" }, ` ${t.predicate} `),
    name(t.object),
  );
}

/** One context item: the triple, an "inferred" mark, and (inferred) its proof graph. */
export function contextItem(item, { open = false, linkTo = null } = {}) {
  const t = triple(item);
  const li = h(
    "li",
    { class: item.inferred ? "fact inferred" : "fact asserted", dataset: { inferred: String(!!item.inferred) } },
    item.inferred ? h("span", { class: "mark-inferred" }, "inferred") : h("span", { class: "mark-asserted" }, "asserted"),
    " ",
    tripleLine(t, linkTo),
  );
  const steps = (item.proof || []).map(triple);
  if (item.inferred && steps.length) {
    li.append(
      h(
        "details",
        { class: "proof", open: open || null },
        h("summary", {}, `Proof: ${steps.length} step${steps.length === 1 ? "" : "s"}`),
        h("div", { class: "graph-wrap" }, proofGraph(t, steps)),
        proofSteps(steps),
      ),
    );
  }
  return li;
}

/** The whole context, the first inferred fact's proof open. */
export function contextList(items, options = {}) {
  let opened = false;
  return items.map((item) => {
    const open = item.inferred && !opened && (item.proof || []).length > 0;
    if (open) opened = true;
    return contextItem(item, { ...options, open });
  });
}
