"""Build a Hugging Face fast tokenizer from GGUF metadata, offline.

SmolLM2 uses a GPT-2 style byte-level BPE whose pre-tokenizer (llama.cpp's
``smollm`` pre-type) first splits every digit, then applies the GPT-2 regex.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

CONTROL_TOKEN_TYPE = 3


def _as_int(value: Any) -> int:
    return int(value.item()) if hasattr(value, "item") else int(value)


def save_tokenizer_from_gguf(metadata: dict[str, Any], folder: Path) -> None:
    """Write tokenizer.json, tokenizer_config.json and special_tokens_map.json."""
    from tokenizers import AddedToken, Tokenizer, decoders, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    model_type = str(metadata.get("tokenizer.ggml.model"))
    if model_type != "gpt2":
        raise ValueError(f"unsupported GGUF tokenizer model {model_type!r} (only gpt2 BPE)")
    tokens: list[str] = list(metadata["tokenizer.ggml.tokens"])
    merges = [tuple(m.split(" ", 1)) for m in metadata["tokenizer.ggml.merges"]]
    token_types = [int(t) for t in metadata["tokenizer.ggml.token_type"].tolist()]
    vocab = {token: index for index, token in enumerate(tokens)}

    bpe = models.BPE(vocab=vocab, merges=merges, fuse_unk=False, byte_fallback=False)
    tokenizer = Tokenizer(bpe)
    splits: list[Any] = []
    if str(metadata.get("tokenizer.ggml.pre", "")) in {"smollm", "starcoder", "refact"}:
        splits.append(pre_tokenizers.Digits(individual_digits=True))
    splits.append(pre_tokenizers.ByteLevel(add_prefix_space=False, trim_offsets=True, use_regex=True))
    tokenizer.pre_tokenizer = pre_tokenizers.Sequence(splits)
    tokenizer.decoder = decoders.ByteLevel()
    tokenizer.post_processor = processors.ByteLevel(add_prefix_space=True, trim_offsets=False, use_regex=True)
    specials = [tokens[i] for i, kind in enumerate(token_types) if kind == CONTROL_TOKEN_TYPE]
    tokenizer.add_special_tokens([AddedToken(t, special=True, normalized=False) for t in specials])

    def token_of(key: str) -> str | None:
        return tokens[_as_int(metadata[key])] if key in metadata else None

    bos, eos = token_of("tokenizer.ggml.bos_token_id"), token_of("tokenizer.ggml.eos_token_id")
    unk, pad = token_of("tokenizer.ggml.unknown_token_id"), token_of("tokenizer.ggml.padding_token_id")
    named = {bos, eos, unk, pad}
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tokenizer,
        bos_token=bos,
        eos_token=eos,
        unk_token=unk,
        pad_token=pad,
        additional_special_tokens=[t for t in specials if t not in named],
        model_max_length=_as_int(metadata.get("llama.context_length", 2048)),
        clean_up_tokenization_spaces=False,
    )
    fast.chat_template = str(metadata["tokenizer.chat_template"])
    fast.save_pretrained(str(folder))
