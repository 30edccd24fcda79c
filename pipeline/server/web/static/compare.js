// Compare: one question answered in every mode side by side, with timings; the fixed
// compare questions one click away, or all of them as a table.
import { describeError, postJSON } from "./api.js";
import { questionProblem } from "./ask.js";
import { $, formatMs, h, say, submitOnCtrlEnter, fill } from "./dom.js";
import { verdictBadge } from "./verdict.js";

async function answerIn(mode, question, maxTokens, signal) {
  const started = performance.now();
  try {
    const answer = await postJSON("/ask", { question, mode, max_tokens: maxTokens }, { signal });
    return { answer, wallMs: performance.now() - started };
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    return { error: describeError(error), wallMs: performance.now() - started };
  }
}

function cellBody(outcome) {
  if (outcome.error) return [h("p", { class: "error", role: "status" }, outcome.error)];
  const a = outcome.answer;
  const t = a.timings_ms || {};
  return [
    h("p", { class: "compare-answer" }, a.answer),
    verdictBadge(a),
    h(
      "p",
      { class: "timings" },
      `generate ${formatMs(t.generate)} · total ${formatMs(t.total ?? outcome.wallMs)}`,
      a.context?.length ? ` · ${a.context.length} triples` : "",
    ),
  ];
}

export function initCompare(config) {
  const form = $("#compare-form");
  const question = $("#compare-question");
  const maxTokens = $("#compare-max-tokens");
  const submit = $("#compare-submit");
  const all = $("#compare-all");
  const stop = $("#compare-stop");
  const error = $("#compare-error");
  const grid = $("#compare-grid");
  const matrix = $("#compare-matrix");
  const fixed = $("#compare-fixed");
  const modes = config.modes.map((m) => m.name);
  let controller = null;

  maxTokens.max = config.max_tokens_limit;
  maxTokens.value = Math.min(64, config.max_tokens_limit);
  submitOnCtrlEnter(question);

  fill(fixed, 
    ...config.compare_questions.map((q) =>
      h(
        "li",
        {},
        h(
          "button",
          {
            type: "button",
            class: "link-button",
            dataset: { questionId: q.id },
            onclick: () => {
              question.value = q.question;
              form.requestSubmit();
            },
          },
          q.question,
        ),
        h("span", { class: "kind" }, ` ${q.kind}`),
      ),
    ),
  );
  all.disabled = config.compare_questions.length === 0;

  const busy = (on) => {
    submit.disabled = on;
    all.disabled = on || config.compare_questions.length === 0;
    stop.disabled = !on;
    for (const b of fixed.querySelectorAll("button")) b.disabled = on;
  };
  stop.addEventListener("click", () => controller?.abort());

  function readTokens() {
    const tokens = Number.parseInt(maxTokens.value, 10);
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > config.max_tokens_limit) {
      say(error, `Max tokens must be a whole number from 1 to ${config.max_tokens_limit}.`);
      return null;
    }
    return tokens;
  }

  async function run(work) {
    controller = new AbortController();
    busy(true);
    try {
      await work(controller.signal);
    } catch (err) {
      say(error, describeError(err));
    } finally {
      controller = null;
      busy(false);
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (controller) return;
    const text = question.value;
    const problem = questionProblem(text, config.max_question_chars);
    if (problem) return say(error, problem);
    const tokens = readTokens();
    if (tokens === null) return;
    say(error, "");
    matrix.hidden = true;
    const cards = new Map(
      modes.map((mode) => [
        mode,
        h("article", { class: "compare-card", dataset: { mode, state: "waiting" } }, h("h3", {}, mode), h("p", { class: "muted" }, "waiting…")),
      ]),
    );
    fill(grid, h("p", { class: "compare-question" }, text), h("div", { class: "cards" }, [...cards.values()]));
    run(async (signal) => {
      for (const mode of modes) {
        const card = cards.get(mode);
        card.dataset.state = "answering";
        fill(card, h("h3", {}, mode), h("p", { class: "muted" }, "answering…"));
        const outcome = await answerIn(mode, text, tokens, signal);
        card.dataset.state = outcome.error ? "error" : "done";
        fill(card, h("h3", {}, mode), ...cellBody(outcome));
      }
    });
  });

  all.addEventListener("click", () => {
    if (controller) return;
    const tokens = readTokens();
    if (tokens === null) return;
    say(error, "");
    fill(grid);
    const cells = new Map();
    const rows = config.compare_questions.map((q) =>
      h(
        "tr",
        {},
        h("th", { scope: "row" }, q.question, h("br"), h("span", { class: "kind" }, q.kind)),
        modes.map((mode) => {
          const td = h("td", { dataset: { mode, state: "waiting" } }, "…");
          cells.set(`${q.id}|${mode}`, td);
          return td;
        }),
      ),
    );
    fill(matrix, 
      h("caption", {}, "Fixed compare questions in every mode"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "question"), modes.map((m) => h("th", { scope: "col" }, m)))),
      h("tbody", {}, rows),
    );
    matrix.hidden = false;
    run(async (signal) => {
      for (const q of config.compare_questions) {
        for (const mode of modes) {
          const td = cells.get(`${q.id}|${mode}`);
          td.textContent = "answering…";
          const outcome = await answerIn(mode, q.question, tokens, signal);
          td.dataset.state = outcome.error ? "error" : "done";
          fill(td, ...cellBody(outcome));
        }
      }
    });
  });
}
