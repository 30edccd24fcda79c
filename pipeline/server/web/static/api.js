// The service's endpoints: JSON calls, one-line error messages, and the streamed chat.

export class ApiError extends Error {
  constructor(message, status, retryAfter = null) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.retryAfter = retryAfter;
  }
}

function firstLine(text) {
  return String(text ?? "").trim().split("\n")[0].trim();
}

function detailText(detail) {
  if (typeof detail === "string") return detail;
  if (Array.isArray(detail)) {
    return detail
      .map((d) => {
        const where = (d.loc || []).filter((p) => p !== "body").join(".");
        return where ? `${where}: ${d.msg}` : d.msg;
      })
      .join("; ");
  }
  return detail ? JSON.stringify(detail) : "";
}

/** An ApiError with the one line the endpoint answered (JSON detail, OpenAI error or plain text). */
export async function errorFrom(response) {
  const text = await response.text().catch(() => "");
  let message = "";
  try {
    const body = JSON.parse(text);
    message = body?.error?.message ?? detailText(body?.detail);
  } catch {
    message = text;
  }
  message = firstLine(message) || `HTTP ${response.status} ${response.statusText}`.trim();
  const retry = Number.parseInt(response.headers.get("Retry-After") ?? "", 10);
  return new ApiError(message, response.status, Number.isFinite(retry) ? retry : null);
}

export async function getJSON(url, options = {}) {
  const response = await fetch(url, { headers: { Accept: "application/json" }, ...options });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

export async function postJSON(url, body, options = {}) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
    ...options,
  });
  if (!response.ok) throw await errorFrom(response);
  return response.json();
}

/** What to tell the user about a failed call, in one line. */
export function describeError(error) {
  if (error?.name === "AbortError") return "Stopped.";
  if (error instanceof ApiError) {
    if (error.status === 429) {
      const when = error.retryAfter ? `in ${error.retryAfter} s` : "shortly";
      const advice = /retry/i.test(error.message) ? "" : ` Try again ${when}.`;
      return `The server is at capacity (HTTP 429): ${error.message}.${advice}`;
    }
    return error.status ? `${error.message} (HTTP ${error.status})` : error.message;
  }
  return `Could not reach the server: ${error?.message ?? error}`;
}

function parseEvent(block) {
  const data = block
    .split("\n")
    .filter((line) => line.startsWith("data:"))
    .map((line) => line.slice(5).replace(/^ /, ""))
    .join("\n");
  return data || null;
}

/**
 * Ask through the OpenAI-compatible stream: yields {type: "token", text} as the model
 * writes, then {type: "answer", answer} (AX Lab's extra field: context, verification...).
 */
export async function* streamAnswer(chatModel, question, maxTokens, signal) {
  const response = await fetch("/v1/chat/completions", {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
    body: JSON.stringify({
      model: chatModel,
      messages: [{ role: "user", content: question }],
      stream: true,
      max_tokens: maxTokens,
    }),
    signal,
  });
  if (!response.ok) throw await errorFrom(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replaceAll("\r\n", "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const data = parseEvent(buffer.slice(0, cut));
      buffer = buffer.slice(cut + 2);
      if (data === null) continue;
      if (data === "[DONE]") return;
      const payload = JSON.parse(data);
      if (payload.error) throw new ApiError(firstLine(payload.error.message), 0);
      const text = payload.choices?.[0]?.delta?.content;
      if (text) yield { type: "token", text };
      if (payload.axlab) yield { type: "answer", answer: payload.axlab };
    }
  }
  throw new ApiError("the answer stream ended early", 0);
}
