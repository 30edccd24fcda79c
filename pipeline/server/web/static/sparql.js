// SPARQL console: example queries from the server, the result as a table, CSV/JSON downloads,
// errors as the one line the endpoint returns.
import { ApiError, describeError, errorFrom } from "./api.js";
import { $, formatMs, h, say, submitOnCtrlEnter, fill } from "./dom.js";

const RESULTS_JSON = "application/sparql-results+json";

export function compactIri(iri, prefixes) {
  let best = null;
  for (const [prefix, ns] of Object.entries(prefixes)) {
    if (iri.startsWith(ns) && /^[A-Za-z_][\w-]*$/.test(iri.slice(ns.length)) && (!best || ns.length > best[1].length)) {
      best = [prefix, ns];
    }
  }
  return best ? `${best[0]}:${iri.slice(best[1].length)}` : `<${iri}>`;
}

async function runQuery(query, accept, signal) {
  const response = await fetch("/sparql", {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: accept },
    body: new URLSearchParams({ query }),
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  return response;
}

function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const a = h("a", { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

export function initSparql(config) {
  const form = $("#sparql-form");
  const editor = $("#sparql-query");
  const examples = $("#sparql-example");
  const run = $("#sparql-run");
  const error = $("#sparql-error");
  const status = $("#sparql-status");
  const table = $("#sparql-table");
  const text = $("#sparql-text");
  const prefixList = $("#sparql-prefixes");
  const namespace = config.namespace;
  let controller = null;

  fill(examples, 
    h("option", { value: "" }, "Choose an example…"),
    ...config.examples.map((ex) => h("option", { value: ex.id }, ex.title)),
  );
  examples.addEventListener("change", () => {
    const example = config.examples.find((ex) => ex.id === examples.value);
    if (example) editor.value = example.query;
  });
  if (config.examples.length && !editor.value) {
    examples.value = config.examples[0].id;
    editor.value = config.examples[0].query;
  }
  fill(prefixList, 
    ...Object.entries(config.prefixes).map(([p, ns]) => h("li", {}, h("code", {}, `${p}:`), ` <${ns}>`)),
  );
  submitOnCtrlEnter(editor);

  function cell(term) {
    if (!term) return h("td", { class: "unbound" }, "");
    if (term.type === "uri") {
      const shown = compactIri(term.value, config.prefixes);
      if (namespace && term.value.startsWith(namespace)) {
        const id = term.value.slice(namespace.length);
        return h("td", {}, h("a", { href: `#browse/${encodeURIComponent(id)}`, title: term.value }, shown));
      }
      return h("td", { title: term.value }, shown);
    }
    if (term.type === "bnode") return h("td", { class: "bnode" }, `_:${term.value}`);
    const suffix = term["xml:lang"]
      ? `@${term["xml:lang"]}`
      : term.datatype
        ? `^^${compactIri(term.datatype, config.prefixes)}`
        : "";
    return h("td", { class: "literal" }, term.value, suffix ? h("span", { class: "datatype" }, suffix) : null);
  }

  function showResults(data) {
    text.hidden = true;
    if (typeof data.boolean === "boolean") {
      fill(table, h("tbody", {}, h("tr", {}, h("td", {}, String(data.boolean)))));
      table.hidden = false;
      return 1;
    }
    const vars = data.head?.vars ?? [];
    const rows = data.results?.bindings ?? [];
    fill(table, 
      h("thead", {}, h("tr", {}, vars.map((v) => h("th", { scope: "col" }, `?${v}`)))),
      h("tbody", {}, rows.map((row) => h("tr", {}, vars.map((v) => cell(row[v]))))),
    );
    table.hidden = false;
    return rows.length;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (controller) controller.abort();
    const query = editor.value;
    if (!query.trim()) {
      say(error, "Please type a SPARQL query first.");
      return;
    }
    say(error, "");
    status.textContent = "Running…";
    controller = new AbortController();
    run.disabled = true;
    const started = performance.now();
    try {
      const response = await runQuery(query, `${RESULTS_JSON}, text/turtle;q=0.5`, controller.signal);
      const type = response.headers.get("Content-Type") || "";
      let n;
      if (type.includes("json")) {
        n = showResults(await response.json());
        status.textContent = `${n} row${n === 1 ? "" : "s"} in ${formatMs(performance.now() - started)}.`;
      } else {
        table.hidden = true;
        text.hidden = false;
        text.textContent = await response.text();
        status.textContent = `Graph result (${type.split(";")[0]}) in ${formatMs(performance.now() - started)}.`;
      }
    } catch (err) {
      const plain = err instanceof ApiError && err.status && err.status !== 429;
      status.textContent = plain ? `HTTP ${err.status}` : "";
      table.hidden = true;
      text.hidden = true;
      say(error, plain ? err.message : describeError(err));
    } finally {
      controller = null;
      run.disabled = false;
    }
  });

  for (const [button, accept, name] of [
    [$("#sparql-csv"), "text/csv", "results.csv"],
    [$("#sparql-json"), RESULTS_JSON, "results.json"],
  ]) {
    button.addEventListener("click", async () => {
      const query = editor.value;
      if (!query.trim()) return say(error, "Please type a SPARQL query first.");
      say(error, "");
      try {
        const response = await runQuery(query, accept);
        download(await response.blob(), name);
      } catch (err) {
        say(error, describeError(err));
      }
    });
  }

  /** Open the console with a query (from the knowledge browser). */
  return {
    load(query) {
      editor.value = query;
      examples.value = "";
      form.requestSubmit();
    },
  };
}
