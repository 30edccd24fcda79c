// Ask: a question, a mode, the answer streamed token by token, the verifier's badge and
// the context with proofs.
import { describeError, streamAnswer } from "./api.js";
import { contextList } from "./context.js";
import { $, formatMs, h, say, submitOnCtrlEnter, fill } from "./dom.js";
import { verdictBadge } from "./verdict.js";

/** The message for a question the server would refuse, or null. */
export function questionProblem(question, limit) {
  if (!question.trim()) return "Please type a question first.";
  if (question.length > limit) {
    return `The question is too long: ${question.length.toLocaleString("en")} characters; the limit is ${limit.toLocaleString("en")}.`;
  }
  return null;
}

export function modeOptions(select, config, selected) {
  fill(select, 
    ...config.modes.map((m) =>
      h(
        "option",
        { value: m.name, selected: m.name === selected || null, title: m.note || null },
        m.available ? m.name : `${m.name} (unavailable)`,
      ),
    ),
  );
}

const searchLink = (label) => `#browse?q=${encodeURIComponent(label)}`;

export function initAsk(config) {
  const form = $("#ask-form");
  const question = $("#ask-question");
  const mode = $("#ask-mode");
  const maxTokens = $("#ask-max-tokens");
  const submit = $("#ask-submit");
  const stop = $("#ask-stop");
  const error = $("#ask-error");
  const result = $("#ask-result");
  const answerEl = $("#ask-answer");
  const badge = $("#ask-badge");
  const timings = $("#ask-timings");
  const original = $("#ask-original");
  const context = $("#ask-context");
  const contextNote = $("#ask-context-note");
  const count = $("#ask-count");
  const modeNote = $("#ask-mode-note");
  let controller = null;

  modeOptions(mode, config, config.default_mode);
  maxTokens.max = config.max_tokens_limit;
  maxTokens.value = config.default_max_tokens;
  submitOnCtrlEnter(question);

  const updateCount = () => {
    const n = question.value.length;
    count.textContent = `${n.toLocaleString("en")} / ${config.max_question_chars.toLocaleString("en")}`;
    count.dataset.over = String(n > config.max_question_chars);
  };
  const updateModeNote = () => {
    const info = config.modes.find((m) => m.name === mode.value);
    say(modeNote, info && !info.available ? `This mode cannot answer now: ${info.note}` : "", "warning");
  };
  question.addEventListener("input", updateCount);
  mode.addEventListener("change", updateModeNote);
  updateCount();
  updateModeNote();

  const busy = (on) => {
    submit.disabled = on;
    stop.disabled = !on;
    answerEl.setAttribute("aria-busy", String(on));
  };
  stop.addEventListener("click", () => controller?.abort());
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && controller) controller.abort();
  });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (controller) return;
    const text = question.value;
    const problem = questionProblem(text, config.max_question_chars);
    if (problem) {
      say(error, problem);
      question.focus();
      return;
    }
    const tokens = Number.parseInt(maxTokens.value, 10);
    if (!Number.isInteger(tokens) || tokens < 1 || tokens > config.max_tokens_limit) {
      say(error, `Max tokens must be a whole number from 1 to ${config.max_tokens_limit}.`);
      maxTokens.focus();
      return;
    }
    const info = config.modes.find((m) => m.name === mode.value);
    say(error, "");
    result.hidden = false;
    answerEl.textContent = "";
    answerEl.dataset.state = "waiting";
    answerEl.dataset.chunks = "0";
    fill(badge, h("span", { class: "badge badge-pending" }, "answering…"));
    timings.textContent = "";
    original.hidden = true;
    fill(context);
    contextNote.textContent = "";
    controller = new AbortController();
    busy(true);
    const started = performance.now();
    let firstToken = null;
    let streamed = "";
    let chunks = 0;
    try {
      for await (const item of streamAnswer(info.chat_model, text, tokens, controller.signal)) {
        if (item.type === "token") {
          firstToken ??= performance.now() - started;
          streamed += item.text;
          chunks += 1;
          answerEl.textContent = streamed;
          answerEl.dataset.state = "streaming";
          answerEl.dataset.chunks = String(chunks);
        } else {
          showAnswer(item.answer, streamed, performance.now() - started, firstToken);
        }
      }
      answerEl.dataset.state = "done";
    } catch (err) {
      answerEl.dataset.state = "error";
      fill(badge);
      if (!streamed) result.hidden = true;
      say(error, describeError(err));
    } finally {
      controller = null;
      busy(false);
    }
  });

  function showAnswer(answer, streamed, wallMs, firstTokenMs) {
    answerEl.textContent = answer.answer;
    fill(badge, verdictBadge(answer));
    const t = answer.timings_ms || {};
    const parts = ["retrieve", "generate", "verify", "total"]
      .filter((k) => t[k] !== undefined)
      .map((k) => `${k} ${formatMs(t[k])}`);
    if (firstTokenMs !== null) parts.push(`first token ${formatMs(firstTokenMs)}`);
    parts.push(`wall ${formatMs(wallMs)}`);
    timings.textContent = `${answer.mode} · ${answer.model}${answer.adapter ? ` + ${answer.adapter}` : ""} · ${parts.join(" · ")}`;
    const replacedFrom = answer.verification?.fallback_from;
    if (replacedFrom !== undefined && replacedFrom !== answer.answer) {
      original.hidden = false;
      $("del", original).textContent = replacedFrom || "(nothing)";
    }
    const items = answer.context || [];
    const inferred = items.filter((c) => c.inferred).length;
    contextNote.textContent = items.length
      ? `${items.length} triples: ${items.length - inferred} asserted, ${inferred} inferred.`
      : "No graph context for this answer.";
    fill(context, ...contextList(items, { linkTo: searchLink }));
  }
}
