// What the verifier decided about an answer, as a badge: supported, replaced by the
// graph's fact, abstained (with the typed reason), or another verifier status.
import { h } from "./dom.js";

export function verdictOf(answer) {
  const v = answer?.verification ?? null;
  const claims = v?.claims ?? [];
  const failed = claims.filter((c) => c.status !== "supported");
  if (answer?.abstained) {
    const reason =
      v?.gate ??
      (v?.status === "fallback" ? "no retrieved fact answers the question" : "the model declined to answer");
    return { kind: "abstained", label: "abstained", reason };
  }
  if (!v) return { kind: "unchecked", label: "not checked", reason: "nothing from the knowledge in the question" };
  if (v.status === "fallback") {
    const why = failed.map((c) => `${c.text}: ${c.reason || c.status}`).join("; ");
    return {
      kind: "replaced",
      label: "replaced by the graph's fact",
      reason: why || "the model's answer did not state what the facts say",
    };
  }
  if (v.status === "supported") return { kind: "supported", label: "supported", reason: v.gate ?? "" };
  const why = failed.map((c) => `${c.text}: ${c.reason || c.status}`).join("; ");
  if (!v.status) return { kind: "unchecked", label: "checked", reason: why };
  return { kind: v.status, label: v.status, reason: why };
}

/** The badge element (data-verdict holds the kind, for styling and tests). */
export function verdictBadge(answer) {
  const verdict = verdictOf(answer);
  return h(
    "span",
    { class: `badge badge-${verdict.kind}`, dataset: { verdict: verdict.kind }, title: verdict.reason || null },
    verdict.label,
    verdict.reason ? h("span", { class: "badge-reason" }, `: ${verdict.reason}`) : null,
  );
}
