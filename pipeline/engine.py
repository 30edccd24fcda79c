"""The answer engine: one question, one mode -> an :class:`~pipeline.types.Answer`.

Flow of :meth:`AnswerEngine.stream` (``ask`` is the same, collected):

1. validate the question (non-empty, at most ``MAX_QUESTION_CHARS``) and the mode;
2. retrieve (every mode: base and lora do not *see* the facts, but their answers are
   still verified against them);
3. graph and hybrid modes go through the symbolic gate (:mod:`pipeline.abstain`):
   ``abstain`` answers with a fixed sentence without calling the model, ``general``
   (no linked entity) asks the model without domain context, ``grounded`` puts the
   retrieved facts into the prompt (:mod:`pipeline.prompt`);
4. generate (streamed), then verify the answer's entities and numbers
   (:mod:`pipeline.verify`); in graph and hybrid modes an answer that contradicts the
   facts, or a refusal although the facts answer the question, is replaced by the top
   fact's sentence (``verification.status == "fallback"``).

Models, adapters, the graph and the retriever load lazily, once, and are reused.

Hybrid routing of general questions (``hybrid_general``): ``"base"`` (default) answers a
question with no linked entity with the base model, without the hybrid adapter, so that
the adapter's domain tint never reaches general answers; ``"adapter"`` keeps the adapter.
``bench/bench_answer.py`` measures both: through the demo's hybrid adapter, "What is the capital
of France?" became "La femme de France, le capital de France." and a Korean general question
came out garbled, while the base model answered all five general questions correctly; neither
mentioned SolverX (bench/results/answer.json, ``routing_general``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pipeline.abstain import GateDecision, abstention_sentence, closed_world_sentence, gate, is_abstention
from pipeline.answering import answering_facts
from pipeline.backends import backend_label
from pipeline.compose import graph_answer, polarity_conflict, unanswered
from pipeline.counting import count_asked, states_count
from pipeline.errors import AxlabError
from pipeline.grounding import EntityInfo, Grounding
from pipeline.modes import MODE_SPECS, check_mode, default_adapter
from pipeline.prompt import (
    MAX_QUESTION_CHARS,
    MAX_SYSTEM_CHARS,
    Lang,
    Message,
    context_limit,
    detect_lang,
    grounded_messages,
    normalize_question,
    plain_messages,
)
from pipeline.site_filter import names_every_member, sites_in_place
from pipeline.types import DEFAULT_MODE, Answer, GenerationStats, Mode
from pipeline.verify import Verification, verify_answer
from retriever.polar import is_polar_question

if TYPE_CHECKING:
    from kg.facts import Fact
    from kg.graph import KnowledgeGraph
    from retriever import Context, Retriever

DEFAULT_MAX_TOKENS = 200
MAX_MAX_TOKENS = 4096
TOP_K = 6
GeneralRouting = Literal["base", "adapter"]


class Backend(Protocol):
    """Generates text for chat messages with an optional adapter (the model layer, or a double).

    ``stream`` yields text pieces and may end with one :class:`~pipeline.types.GenerationStats`."""

    @property
    def model_id(self) -> str: ...

    def stream(
        self, messages: Sequence[Message], max_tokens: int, adapter: Path | None
    ) -> Iterator[str | GenerationStats]: ...


def generation_stats(generation: Any) -> GenerationStats | None:
    """The token counts of a finished :class:`lora.generate.Generation` (None if it has none)."""
    if generation is None:
        return None
    return GenerationStats(
        prefill_tokens=int(generation.prompt_tokens),
        decode_tokens=int(generation.generation_tokens),
        prefill_tok_s=float(generation.prompt_tps),
        prefill_cached_tokens=int(getattr(generation, "cached_tokens", 0)),
        decode_tok_s=float(generation.generation_tps),
        finish_reason=generation.finish_reason,
    )


class LoraBackend:
    """The real model layer: :func:`lora.generate.load_model` (cached per model and adapter; loads and
    generations run on the process's one MLX thread, :mod:`lora.mlx_thread`)."""

    def __init__(self, model: str | None = None) -> None:
        self.model = model

    @property
    def model_id(self) -> str:
        from lora.models import EMBEDDED, is_embedded

        return EMBEDDED if is_embedded(self.model) else str(self.model)

    def load(self, adapter: Path | None = None) -> None:
        """Load the model (and adapter) now, on the MLX thread (cached: a no-op once loaded)."""
        from lora.generate import load_model

        load_model(self.model, adapter)

    def loaded(self) -> list[Path | None]:
        """The adapters loaded with this model so far (``None``: the base model alone)."""
        from lora.generate import loaded_models

        return [entry.adapter for entry in loaded_models() if entry.model_id == self.model_id]

    def warm(self, adapter: Path | None = None) -> None:
        """Load the model (and adapter) and run one token through it, on the MLX thread."""
        from lora.generate import load_model

        loaded = load_model(self.model, adapter)
        for _ in loaded.stream([{"role": "user", "content": "Hi"}], max_tokens=1):
            pass

    def stream(
        self, messages: Sequence[Message], max_tokens: int, adapter: Path | None
    ) -> Iterator[str | GenerationStats]:
        from lora.generate import load_model

        loaded = load_model(self.model, adapter)
        for chunk in loaded.stream(messages, max_tokens=max_tokens):
            if chunk.text:
                yield chunk.text
            stats = generation_stats(chunk.generation) if chunk.done else None
            if stats is not None:
                yield stats


class GeneratorBackend:
    """Any generator with ``model_id`` and ``generate(messages, max_tokens, stream=True)`` yielding
    chunks with ``text`` (e.g. :class:`pipeline.generators.RemoteGenerator` for an OpenAI-compatible
    server). Such a server serves one fixed model: the lora and hybrid modes need an in-process
    model to apply their adapters."""

    def __init__(self, generator: Any) -> None:
        self.generator = generator

    @property
    def model_id(self) -> str:
        return str(self.generator.model_id)

    def loaded(self) -> list[Path | None]:
        """The remote server holds its one model, without adapters."""
        return [None]

    def stream(
        self, messages: Sequence[Message], max_tokens: int, adapter: Path | None
    ) -> Iterator[str | GenerationStats]:
        if adapter is not None:
            raise AxlabError(
                f"a remote generator ({self.model_id}) cannot apply the adapter {adapter}: "
                "use --mode base or graph, or generate in process",
                exit_code=2,
            )
        for chunk in self.generator.generate(list(messages), max_tokens, stream=True):
            text = getattr(chunk, "text", "")
            if text:
                yield text
            stats = generation_stats(getattr(chunk, "generation", None))
            if stats is not None:
                yield stats


def default_backend(model: str | None, choice: str | None = None) -> Backend:
    """An OpenAI-compatible server when ``$AXLAB_GENERATOR_URL`` names one, else in process:
    MLX or llama.cpp, as ``choice`` (``--backend``, default ``$AXLAB_BACKEND`` or auto) picks
    (:func:`pipeline.backends.make_backend`)."""
    import os

    if os.environ.get("AXLAB_GENERATOR_URL"):
        from pipeline.generators import generator_from_env

        generator = generator_from_env(model=model)
        if generator is not None:
            return GeneratorBackend(generator)
    from pipeline.backends import make_backend

    return make_backend(model, choice)


def validate_question(question: object) -> str:
    """The normalised question, or a one-line user error (exit code 2)."""
    if not isinstance(question, str):
        raise AxlabError("the question must be text", exit_code=2)
    if len(question) > MAX_QUESTION_CHARS:
        raise AxlabError(
            f"the question is too long ({len(question):,} characters; the limit is {MAX_QUESTION_CHARS:,})",
            exit_code=2,
        )
    text = normalize_question(question)
    if not text:
        raise AxlabError("the question is empty", exit_code=2)
    return text


def validate_system(system: object) -> str | None:
    """The caller's system text, normalised (None when absent or blank), or a user error."""
    if system is None:
        return None
    if not isinstance(system, str):
        raise AxlabError("the system text must be text", exit_code=2)
    if len(system) > MAX_SYSTEM_CHARS:
        raise AxlabError(
            f"the system text is too long ({len(system):,} characters; the limit is {MAX_SYSTEM_CHARS:,})",
            exit_code=2,
        )
    return system.strip() or None


def validate_max_tokens(max_tokens: int | None) -> int:
    if max_tokens is None:
        return DEFAULT_MAX_TOKENS
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1:
        raise AxlabError(f"--max-tokens must be a positive integer, not {max_tokens!r}", exit_code=2)
    if max_tokens > MAX_MAX_TOKENS:
        raise AxlabError(f"--max-tokens must be at most {MAX_MAX_TOKENS}, not {max_tokens}", exit_code=2)
    return max_tokens


def check_adapter(path: Path, kind: str, explicit: bool) -> Path:
    """The adapter folder, or a one-line error saying how to get one."""
    if (
        path.is_dir()
        and (path / "adapter_config.json").is_file()
        and (path / "adapters.safetensors").is_file()
    ):
        check_adapter_knowledge(path)
        return path
    if explicit:
        what = "not found" if not path.exists() else "not an adapter folder (no adapter_config.json)"
        raise AxlabError(f"adapter {path}: {what}", exit_code=2)
    how = (
        "axlab data prepare && axlab train"
        if kind == "lora"
        else f"axlab prepare-hybrid && axlab train --data data/hybrid --adapter-path {path}"
    )
    raise AxlabError(
        f"no {kind} adapter at {path}: train it with '{how}' (or 'axlab demo'), or pass --adapter PATH",
        exit_code=2,
    )


def check_adapter_knowledge(path: Path) -> None:
    """Refuse an adapter trained on another knowledge (its ``knowledge.json`` stamp)."""
    from lora.train import adapter_knowledge
    from ontology.paths import knowledge_name
    from ontology.schema import NAMESPACE

    stamp = adapter_knowledge(path)
    if stamp is not None and stamp.get("namespace") != NAMESPACE:
        raise AxlabError(
            f"adapter {path} was trained on the knowledge '{stamp.get('name')}', not on '{knowledge_name()}': "
            "train one for this knowledge or pass --adapter PATH",
            exit_code=2,
        )


def entity_infos(kg: KnowledgeGraph) -> dict[str, EntityInfo]:
    return {
        eid: EntityInfo(
            eid,
            entity.class_,
            entity.label.en,
            entity.label.ko,
            (*entity.aliases.en, *entity.aliases.ko),
        )
        for eid, entity in kg.entities.items()
    }


def grounding_from_context(
    context: Context,
    lang: Lang,
    entities: Mapping[str, EntityInfo],
    facts_about: Callable[[str], Sequence[Fact]] | None = None,
    k: int | None = None,
) -> Grounding:
    """The answer side's view of a retrieval (the only place that reads ``Context``); keeps the
    top ``k`` facts (default: as many as a prompt in ``lang`` carries)."""
    limit = context_limit(lang) if k is None else min(k, context_limit(lang))
    scored = context.facts[:limit]
    direct = [e.id for e in context.entities if e.via is None]
    subject_facts: list[Fact] = []
    site_facts: list[Fact] = []
    if facts_about is not None:
        for entity_id in direct:
            subject_facts.extend(facts_about(entity_id))
        site_facts = sites_located(subject_facts, direct, facts_about)
    return Grounding(
        question_lang=lang,
        linked=tuple(context.linked_ids),
        named=tuple(direct),
        intent=tuple(context.intent_predicates),
        intent_weights=dict(context.intent_weights),
        question=context.question,
        answer_classes=tuple(context.answer_classes),
        unsupported=tuple(context.unsupported_attributes),
        unsupported_kinds=tuple(context.unsupported_kinds),
        unknown_entities=tuple(context.unknown_entities),
        known_sites=tuple(context.known_sites),
        is_domain=context.is_domain,
        facts=tuple(sf.fact for sf in scored),
        lines=tuple(sf.text(lang) for sf in scored),
        context_json=tuple(context.to_json(lang)[:limit]),
        entities=dict(entities),
        subject_facts=tuple(subject_facts),
        site_facts=tuple(site_facts),
    )


def sites_located(
    subject_facts: Sequence[Fact], subjects: Sequence[str], facts_about: Callable[[str], Sequence[Fact]]
) -> list[Fact]:
    """The location facts (asserted and inferred) of the subjects' sites: what "in how many
    countries does it have facilities" counts when no property chain places the subject itself."""
    from ontology.roles import location_properties, site_properties

    links, where = site_properties(), location_properties()
    sites = {
        f.object
        for f in subject_facts
        if f.subject in subjects and f.predicate in links and not f.object_is_literal
    }
    return [
        fact
        for site in sorted(sites)
        for fact in facts_about(site)
        if fact.subject == site and fact.predicate in where and not fact.object_is_literal
    ]


class AnswerEngine:
    """Answers questions in the four modes (see the module docstring).

    ``model``: a model id or folder (None: the embedded SmolLM2). ``lora_adapter`` /
    ``hybrid_adapter``: the adapters of the lora and hybrid modes (default ``adapters/lora``
    and ``adapters/hybrid``); ``adapter`` sets both at once (``axlab ask --adapter``). ``kg`` and
    ``retriever`` are shared when given, else loaded on first use. ``backend`` replaces the
    model layer (tests); ``hybrid_general`` routes general questions in hybrid mode to the
    base model (``"base"``, default) or through the hybrid adapter (``"adapter"``).
    """

    def __init__(
        self,
        model: str | None = None,
        lora_adapter: str | Path | None = None,
        hybrid_adapter: str | Path | None = None,
        kg: KnowledgeGraph | None = None,
        retriever: Retriever | None = None,
        *,
        adapter: str | Path | None = None,
        backend: Backend | None = None,
        top_k: int = TOP_K,
        hybrid_general: GeneralRouting = "base",
        verify: bool = True,
    ) -> None:
        self.model = model
        if adapter is not None:  # one adapter for whichever adapter mode is asked (like ask --adapter)
            lora_adapter = lora_adapter if lora_adapter is not None else adapter
            hybrid_adapter = hybrid_adapter if hybrid_adapter is not None else adapter
        self._explicit_lora = lora_adapter is not None
        self._explicit_hybrid = hybrid_adapter is not None
        self.lora_adapter = Path(lora_adapter).expanduser() if lora_adapter else default_adapter("lora")
        self.hybrid_adapter = (
            Path(hybrid_adapter).expanduser() if hybrid_adapter else default_adapter("hybrid")
        )
        self._kg = kg
        self._retriever = retriever
        self.backend: Backend = backend if backend is not None else default_backend(model)
        self.top_k = top_k
        self.hybrid_general: GeneralRouting = hybrid_general
        self.verify = verify
        self._lock = threading.RLock()
        self._entities: dict[str, EntityInfo] | None = None
        self._warm_retriever = False

    # --- lazy parts -----------------------------------------------------------------------

    @property
    def kg(self) -> KnowledgeGraph:
        with self._lock:
            if self._kg is None:
                from kg.graph import KnowledgeGraph

                self._kg = KnowledgeGraph.load()
            return self._kg

    @property
    def retriever(self) -> Retriever:
        with self._lock:
            if self._retriever is None:
                from retriever import Retriever

                self._retriever = Retriever(self.kg)
            return self._retriever

    @property
    def entities(self) -> dict[str, EntityInfo]:
        with self._lock:
            if self._entities is None:
                self._entities = entity_infos(self.kg)
            return self._entities

    def link(self, text: str) -> list[str]:
        """Entity ids named in ``text`` (the retriever's linker), for verification."""
        from retriever.linking import link_entities

        return [link.entity_id for link in link_entities(text, self.retriever.index)]

    def adapter_is_explicit(self, mode: Mode) -> bool:
        """Whether the mode's adapter was given by the caller (not the default folder)."""
        kind = MODE_SPECS[mode].adapter
        return (kind == "lora" and self._explicit_lora) or (kind == "hybrid" and self._explicit_hybrid)

    def adapter_for(self, mode: Mode) -> Path | None:
        """The adapter a mode uses (checked), or None for the base model."""
        kind = MODE_SPECS[mode].adapter
        if kind == "lora":
            return check_adapter(self.lora_adapter, "lora", self._explicit_lora)
        if kind == "hybrid":
            return check_adapter(self.hybrid_adapter, "hybrid", self._explicit_hybrid)
        return None

    def warm(self, modes: Sequence[Mode] = ("hybrid",)) -> None:
        """Load the graph, the retriever's model and the models the modes need, now."""
        self.retriever.warm()
        self.entities  # noqa: B018
        self._warm_retriever = True
        for mode in modes:
            adapter = self.adapter_for(mode)
            warm = getattr(self.backend, "warm", None)
            if callable(warm):
                warm(adapter)
                if mode == "hybrid" and self.hybrid_general == "base":
                    warm(None)

    def describe(self) -> dict[str, Any]:
        """What ``/health`` reports: the model, whether it is loaded, the adapters loaded."""
        loaded = getattr(self.backend, "loaded", None)
        entries: list[Path | None] = list(loaded()) if callable(loaded) else []
        return {
            "model": self.backend.model_id,
            "model_loaded": bool(entries),
            "adapters": [str(adapter) for adapter in entries if adapter is not None],
        }

    # --- answering --------------------------------------------------------------------------

    def ground(self, question: str, lang: Lang) -> Grounding:
        context = self.retriever.retrieve(question, k=self.top_k)
        return grounding_from_context(context, lang, self.entities, self.kg.facts_about, self.top_k)

    def ask(
        self,
        question: str,
        mode: Mode | str = DEFAULT_MODE,
        max_tokens: int | None = None,
        system: str | None = None,
    ) -> Answer:
        """Answer ``question`` in ``mode`` (see the module docstring)."""
        answer: Answer | None = None
        for item in self.stream(question, mode, max_tokens, system):
            if isinstance(item, Answer):
                answer = item
        assert answer is not None
        return answer

    def stream(
        self,
        question: str,
        mode: Mode | str = DEFAULT_MODE,
        max_tokens: int | None = None,
        system: str | None = None,
    ) -> Iterator[str | Answer]:
        """Yield the answer's text as it is generated, then the finished :class:`Answer`.

        Input is validated before anything is yielded, so bad input raises on the first
        ``next()``. When verification replaces the generated text (``fallback``), the final
        ``Answer.answer`` differs from the streamed text. ``system``: the caller's own system
        text (the OpenAI endpoint's system messages), given to the model after the engine's.
        """
        started = time.perf_counter()
        text = validate_question(question)
        instructions = validate_system(system)
        checked_mode = check_mode(str(mode))
        tokens = validate_max_tokens(max_tokens)
        spec = MODE_SPECS[checked_mode]
        adapter = self.adapter_for(checked_mode)
        lang = detect_lang(text)
        timings: dict[str, float] = {}

        if not self._warm_retriever:
            t = time.perf_counter()
            self.retriever.warm()
            self.entities  # noqa: B018
            self._warm_retriever = True
            timings["load"] = _ms(t)  # once per engine: graph, embedding model, fact vectors
        t = time.perf_counter()
        grounding = self.ground(text, lang)
        timings["retrieve"] = _ms(t)

        decision: GateDecision | None = gate(grounding) if spec.uses_graph else None
        context: list[dict[str, Any]] = []
        messages: list[Message] = plain_messages(text, instructions)
        if decision is not None and decision.route == "abstain":
            closed = decision.kind == "not_in_knowledge" and bool(decision.known) and is_polar_question(text)
            sentence = (
                closed_world_sentence(decision.attribute or "", decision.subject, lang, decision.known)
                if closed
                else abstention_sentence(
                    decision.attribute, decision.subject, lang, decision.kind, decision.known
                )
            )
            timings["generate"] = 0.0
            timings["verify"] = 0.0
            timings["total"] = _ms(started)
            yield sentence
            yield Answer(
                question=text,
                mode=checked_mode,
                answer=sentence,
                context=[],
                abstained=not closed,  # a closed-world "no" answers the question
                model=self.backend.model_id,
                adapter=None,
                timings_ms=timings,
                verification={"status": "supported", "claims": [], "gate": decision.reason},
                abstention=None if closed else decision.abstention(),
            )
            return
        if decision is not None and decision.route == "general":
            if checked_mode == "hybrid" and self.hybrid_general == "base":
                adapter = None
        elif decision is not None:  # grounded
            messages = grounded_messages(text, grounding.lines, lang, instructions)
            context = list(grounding.context_json)

        load = getattr(self.backend, "load", None)
        if callable(load):  # a cold model load is reported apart from generation
            t = time.perf_counter()
            load(adapter)
            if (loaded_ms := _ms(t)) >= 1.0:
                timings["model_load"] = loaded_ms
        t = time.perf_counter()
        pieces: list[str] = []
        stats: GenerationStats | None = None
        for piece in self.backend.stream(messages, tokens, adapter):
            if isinstance(piece, GenerationStats):
                stats = piece
                continue
            pieces.append(piece)
            yield piece
        generated = "".join(pieces).strip()
        timings["generate"] = _ms(t)
        if stats is not None:
            timings.update(stats.timings())

        t = time.perf_counter()
        final, abstained, verification = self._check(generated, text, grounding, decision, spec.uses_graph)
        timings["verify"] = _ms(t)
        timings["total"] = _ms(started)
        yield Answer(
            question=text,
            mode=checked_mode,
            answer=final,
            context=context,
            abstained=abstained,
            model=self.backend.model_id,
            adapter=str(adapter) if adapter is not None else None,
            timings_ms=timings,
            verification=verification.to_json() if verification is not None else None,
            backend=backend_label(self.backend, adapter),
        )

    ask_stream = stream  # the name the HTTP service looks for first

    def _check(
        self,
        generated: str,
        question: str,
        grounding: Grounding,
        decision: GateDecision | None,
        uses_graph: bool,
    ) -> tuple[str, bool, Verification | None]:
        """(final answer, abstained, verification) for a generated answer."""
        refused = is_abstention(generated)
        if not self.verify or not grounding.linked:
            return generated, refused, None  # a general question: nothing in the graph to check
        verification = verify_answer(generated, grounding, question, link=self.link)
        if not uses_graph or decision is None or decision.route != "grounded":
            return generated, refused, verification
        if polarity_conflict(generated, grounding, question):  # "No" where the graph says yes
            verification.status = "contradicted"
        answerable = bool(answering_facts(grounding))
        if not answerable and not refused and verification.status in ("unsupported", "contradicted"):
            # no retrieved fact answers what was asked and the graph does not back the answer:
            # say so (with the closest fact) rather than pass on what the model made up
            verification.status = "fallback"
            verification.fallback_from = generated
            return unanswered(grounding), True, verification
        missed = verification.states_answer is False  # names nothing the answering facts say
        count = count_asked(grounding, question)
        if count is not None and not states_count(generated, count, grounding.question_lang):
            missed = True  # "how many continents": the answer must give the graph's count
        listed = sites_in_place(grounding) if count is None else None
        if listed is not None and not names_every_member(generated, listed, grounding):
            missed = True  # "which of its sites are in Asia": every one of them
        if (
            verification.status == "contradicted"
            or not generated
            or ((answerable or count is not None or listed is not None) and (refused or missed))
        ):
            fallback = graph_answer(grounding, question)
            if fallback:
                verification.status = "fallback"
                verification.fallback_from = generated
                return fallback, False, verification
        return generated, refused, verification


def _ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000.0
