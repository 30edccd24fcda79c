// Evaluation: the latest report of `axlab eval` with its charts.
import { describeError, getJSON } from "./api.js";
import { barChart } from "./charts.js";
import { $, h, percent, say, formatMs, fill } from "./dom.js";

const PER_MODE = [
  ["accuracy", "Accuracy per mode"],
  ["fact_accuracy", "Fact accuracy per mode"],
  ["hallucination_rate", "Hallucination on unknown facts (lower is better)"],
  ["tinted_glass_rate", "Tinted-glass rate: knowledge leaking into general answers (lower is better)"],
];

export function initEvaluation() {
  const box = $("#eval");
  const error = $("#eval-error");
  let loaded = false;

  function render(report) {
    const metrics = report.metrics || {};
    const modes = Object.keys(metrics);
    const setup = report.setup || {};
    const categories = setup.categories || [...new Set(modes.flatMap((m) => Object.keys(metrics[m].by_category || {})))];
    const perMode = (key) =>
      modes.map((mode) => ({ label: mode, bars: [{ series: key, value: metrics[mode][key] ?? null }] }));
    const perCategory = categories.map((cat) => ({
      label: cat,
      bars: modes.map((mode) => ({ series: mode, value: metrics[mode].by_category?.[cat]?.accuracy ?? null })),
    }));
    const goals = report.goals?.results || [];
    const skipped = Object.entries(report.skipped_modes || {});
    fill(box, 
      h(
        "p",
        { class: "muted" },
        `${report.file} · ${report.created ?? ""} · ${setup.items ?? "?"} questions (${setup.questions ?? "?"}) × ${modes.length} modes · max tokens ${
          setup.max_tokens ?? "?"
        } · ${report.wall_time_s ? formatMs(report.wall_time_s * 1000) : ""}`,
      ),
      report.verdict
        ? h(
            "div",
            { class: "verdict", dataset: { answer: report.verdict.answer } },
            h("p", {}, h("strong", {}, report.verdict.text)),
            h("ul", {}, (report.verdict.comparisons || []).map((c) => h("li", {}, c))),
          )
        : null,
      skipped.length ? h("p", { class: "warning" }, `Skipped: ${skipped.map(([m, why]) => `${m} (${why})`).join("; ")}`) : null,
      h(
        "div",
        { class: "charts" },
        barChart(PER_MODE[0][1], perMode(PER_MODE[0][0]), [PER_MODE[0][0]], percent),
        barChart("Accuracy per category", perCategory, modes, percent),
        ...PER_MODE.slice(1).map(([key, title]) => barChart(title, perMode(key), [key], percent)),
      ),
      goals.length
        ? h(
            "div",
            { class: "table-wrap" },
            h(
              "table",
              { class: "goals" },
              h("caption", {}, `Goals (${report.goals.mode} vs ${report.goals.baseline})`),
              h("thead", {}, h("tr", {}, ["goal", "target", "value", "met"].map((c) => h("th", { scope: "col" }, c)))),
              h(
                "tbody",
                {},
                goals.map((g) =>
                  h(
                    "tr",
                    { dataset: { met: String(g.met) } },
                    h("td", {}, g.name, g.detail ? h("div", { class: "muted" }, g.detail) : null),
                    h("td", {}, g.target),
                    h("td", {}, percent(g.value)),
                    h("td", {}, g.met ? "yes" : "no"),
                  ),
                ),
              ),
            ),
          )
        : null,
      h(
        "div",
        { class: "table-wrap" },
        h(
          "table",
          { class: "metrics" },
          h("caption", {}, "Per mode"),
          h(
            "thead",
            {},
            h("tr", {}, ["mode", "n", "accuracy", "fact acc.", "hallucination", "tinted glass", "p50 latency"].map((c) => h("th", { scope: "col" }, c))),
          ),
          h(
            "tbody",
            {},
            modes.map((mode) => {
              const m = metrics[mode];
              return h(
                "tr",
                {},
                h("th", { scope: "row" }, mode),
                h("td", {}, String(m.n ?? "")),
                h("td", {}, percent(m.accuracy)),
                h("td", {}, percent(m.fact_accuracy)),
                h("td", {}, percent(m.hallucination_rate)),
                h("td", {}, percent(m.tinted_glass_rate)),
                h("td", {}, formatMs(m.latency_ms?.p50)),
              );
            }),
          ),
        ),
      ),
    );
  }

  return {
    async show() {
      if (loaded) return;
      fill(box, h("p", { class: "muted" }, "Loading the report…"));
      try {
        render(await getJSON("/ui/eval"));
        loaded = true;
        say(error, "");
      } catch (err) {
        fill(box);
        say(error, describeError(err), "info");
      }
    },
  };
}
