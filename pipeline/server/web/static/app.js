// AX Lab's page: loads what the server reports (/ui/config, /health), then routes
// between the views by the URL's hash (#ask, #compare, #sparql, #browse[/ID], #eval).
import { describeError, getJSON } from "./api.js";
import { initAsk } from "./ask.js";
import { initBrowse } from "./browse.js";
import { initCompare } from "./compare.js";
import { $, h, say } from "./dom.js";
import { initEvaluation } from "./evaluation.js";
import { initSparql } from "./sparql.js";

const VIEWS = ["ask", "compare", "sparql", "browse", "eval"];

function showLoaded(config, health) {
  const k = config.knowledge;
  $("#loaded").replaceChildren(
    h("span", { id: "loaded-knowledge", title: k.path || "" }, `knowledge: ${k.name}`),
    h("span", {}, ` · ${k.entities} entities · ${health.triples ?? k.triples} triples`),
    h("span", { id: "loaded-model" }, ` · model: ${health.model ?? config.model ?? "unknown"}`),
    h("span", {}, health.adapters?.length ? ` + ${health.adapters.join(", ")}` : " (no adapter loaded)"),
  );
}

async function main() {
  const status = $("#page-error");
  let config;
  let health;
  try {
    [config, health] = await Promise.all([getJSON("/ui/config"), getJSON("/health")]);
  } catch (err) {
    say(status, `The page could not load the server's configuration: ${describeError(err)}`);
    return;
  }
  showLoaded(config, health);
  initAsk(config);
  initCompare(config);
  const sparql = initSparql(config);
  const browse = initBrowse(config, {
    openQuery(query) {
      location.hash = "#sparql";
      sparql.load(query);
    },
  });
  const evaluation = initEvaluation();

  function route() {
    const hash = location.hash.replace(/^#/, "") || "ask";
    const match = /^([a-z]+)(.*)$/.exec(hash);
    const view = match && VIEWS.includes(match[1]) ? match[1] : "ask";
    const rest = match && VIEWS.includes(match[1]) ? match[2] : "";
    for (const name of VIEWS) {
      $(`#view-${name}`).hidden = name !== view;
      const link = $(`nav a[data-view="${name}"]`);
      if (name === view) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    if (view === "browse") browse.route(rest);
    if (view === "eval") evaluation.show();
    document.title = `AX Lab · ${$(`nav a[data-view="${view}"]`).textContent}`;
  }
  window.addEventListener("hashchange", () => {
    route();
    if (!location.hash.startsWith("#browse/")) $(`#view-${VIEWS.find((v) => !$(`#view-${v}`).hidden)} h2`).focus();
  });
  route();
  document.body.dataset.ready = "true";
}

main();
