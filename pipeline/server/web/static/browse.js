// Knowledge browser: search entities by English or Korean label; an entity's page with its
// asserted and inferred facts, out and in, each inferred one with its proof; links between entities.
import { describeError, getJSON } from "./api.js";
import { $, h, say, fill } from "./dom.js";
import { proofGraph, proofSteps } from "./proof.js";

export const entityHref = (id) => `#browse/${encodeURIComponent(id)}`;

export function initBrowse(config, { openQuery }) {
  const form = $("#browse-form");
  const input = $("#browse-q");
  const lang = $("#browse-lang");
  const results = $("#browse-results");
  const count = $("#browse-count");
  const error = $("#browse-error");
  const page = $("#entity");
  let searchTimer = null;
  let shown = null; // the entity page's data, re-rendered when the label language changes

  const label = (t) => t.label[lang.value] || t.label.en;

  function termNode(t) {
    if (t.literal) return h("span", { class: "literal" }, t.label.en);
    if (t.entity) return h("a", { href: entityHref(t.id), title: t.iri }, label(t));
    return h("span", { class: "term", title: t.iri }, label(t));
  }

  async function search() {
    const q = input.value;
    try {
      const data = await getJSON(`/ui/entities?q=${encodeURIComponent(q)}&limit=100`);
      say(error, "");
      page.hidden = true;
      shown = null;
      results.hidden = false;
      count.hidden = false;
      count.textContent = `${data.total} entit${data.total === 1 ? "y" : "ies"}${q.trim() ? ` match “${q.trim()}”` : ""}${
        data.total > data.entities.length ? ` (first ${data.entities.length} shown)` : ""
      }.`;
      fill(results, 
        ...data.entities.map((e) =>
          h(
            "li",
            { dataset: { entity: e.id } },
            h("a", { href: entityHref(e.id) }, e.label[lang.value] || e.label.en),
            h("span", { class: "other-label" }, ` ${lang.value === "ko" ? e.label.en : e.label.ko}`),
            h("span", { class: "kind" }, ` ${label(e.class)}`),
          ),
        ),
      );
    } catch (err) {
      say(error, describeError(err));
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(searchTimer);
    search();
  });
  input.addEventListener("input", () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(search, 200);
  });
  lang.addEventListener("change", () => {
    if (shown) render(shown);
    else search();
  });

  function factRow(fact, direction) {
    const li = h(
      "li",
      { class: fact.inferred ? "fact inferred" : "fact asserted", dataset: { inferred: String(fact.inferred) } },
      h("span", { class: fact.inferred ? "mark-inferred" : "mark-asserted" }, fact.inferred ? "inferred" : "asserted"),
      " ",
      direction === "out" ? null : [termNode(fact.subject), " "],
      h("span", { class: "predicate" }, label(fact.predicate)),
      " ",
      direction === "out" ? termNode(fact.object) : h("span", { class: "self" }, label(fact.object)),
      fact.source_rows.length && !fact.inferred ? h("span", { class: "rows" }, ` (row ${fact.source_rows.join(", ")})`) : null,
    );
    if (fact.inferred && fact.proof.length) {
      const plain = (t) => label(t);
      const triple = (x) => ({ subject: plain(x.subject), predicate: plain(x.predicate), object: plain(x.object) });
      const steps = fact.proof.map(triple);
      li.append(
        h(
          "details",
          { class: "proof" },
          h("summary", {}, `Proof: ${steps.length} step${steps.length === 1 ? "" : "s"}`),
          h("div", { class: "graph-wrap" }, proofGraph(triple(fact), steps)),
          proofSteps(steps),
          fact.source_rows.length ? h("p", { class: "rows" }, `from rows ${fact.source_rows.join(", ")}`) : null,
        ),
      );
    }
    return li;
  }

  function factList(title, facts, direction) {
    const inferred = facts.filter((f) => f.inferred).length;
    return h(
      "section",
      { class: "facts", dataset: { direction } },
      h("h4", {}, `${title} (${facts.length - inferred} asserted, ${inferred} inferred)`),
      facts.length ? h("ul", {}, facts.map((f) => factRow(f, direction))) : h("p", { class: "muted" }, "None."),
    );
  }

  function render(data) {
    const e = data.entity;
    const other = lang.value === "ko" ? "en" : "ko";
    const aliases = [...e.aliases.en, ...e.aliases.ko];
    fill(page, 
      h("h3", { id: "entity-title", tabindex: "-1" }, e.label[lang.value] || e.label.en, h("span", { class: "other-label" }, ` ${e.label[other]}`)),
      h(
        "dl",
        { class: "entity-meta" },
        h("dt", {}, "class"),
        h("dd", {}, label(e.class)),
        aliases.length ? [h("dt", {}, "also"), h("dd", {}, aliases.join(", "))] : null,
        h("dt", {}, "IRI"),
        h("dd", {}, h("code", {}, e.iri)),
      ),
      h(
        "p",
        {},
        h(
          "button",
          { type: "button", class: "link-button", onclick: () => openQuery(`SELECT ?predicate ?object WHERE {\n  <${e.iri}> ?predicate ?object\n}\nORDER BY ?predicate\n`) },
          "Query this entity in the SPARQL console",
        ),
      ),
      factList("Facts out", data.outgoing, "out"),
      factList("Facts in", data.incoming, "in"),
    );
    page.hidden = false;
  }

  async function openEntity(id) {
    try {
      const data = await getJSON(`/ui/entities/${encodeURIComponent(id)}`);
      say(error, "");
      shown = data;
      render(data);
      results.hidden = true;
      count.hidden = true;
      $("#entity-title").focus();
    } catch (err) {
      shown = null;
      page.hidden = true;
      say(error, describeError(err));
    }
  }

  return {
    /** Route "#browse", "#browse?q=text" or "#browse/ID". */
    route(rest) {
      if (rest.startsWith("/")) {
        openEntity(decodeURIComponent(rest.slice(1)));
      } else {
        const q = new URLSearchParams(rest.replace(/^\?/, "")).get("q");
        if (q !== null) input.value = q;
        search();
      }
    },
  };
}
