"""In-process vLLM batch labelling for GPU nodes (``corpusforge label --backend vllm``).

An extra: needs ``pip install corpusforge[vllm]``. The same prompt, parser and labels
file as the HTTP client; documents go to ``vllm.LLM.chat`` in chunks, and each chunk is
flushed to the labels file before the next starts.
"""

from __future__ import annotations

import time
from typing import Any, Iterable

from corpusforge.classify.client import LabelSummary
from corpusforge.classify.labels import LabelStore, label_row, prompt_categories
from corpusforge.classify.prompt import LabelPrompt


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except ImportError:
        return False
    return True


def label_with_vllm(docs: Iterable[tuple[str, str]], store: LabelStore, model: str, prompt: LabelPrompt,
                    max_doc_tokens: int = 3000, temperature: float = 0.0, max_tokens: int = 512,
                    chunk_size: int = 512, labeller: str | None = None, progress: bool = True,
                    llm_kwargs: dict[str, Any] | None = None) -> LabelSummary:
    """Label ``(id, text)`` pairs not yet in ``store`` with a local vLLM engine."""
    categories = prompt_categories(prompt)
    try:
        from vllm import LLM, SamplingParams
    except ImportError as e:
        raise RuntimeError("the vllm backend needs vLLM: pip install 'corpusforge[vllm]'") from e
    summary = LabelSummary()
    todo = []
    for doc_id, text in docs:
        if doc_id in store.done:
            summary.skipped_existing += 1
        else:
            todo.append((doc_id, text))
    summary.to_label = len(todo)
    if not todo:
        return summary
    llm = LLM(model=model, **(llm_kwargs or {}))
    params = SamplingParams(temperature=temperature, max_tokens=max_tokens)
    labeller = labeller or f"vllm:{model}"
    t0 = time.perf_counter()
    for start in range(0, len(todo), chunk_size):
        chunk = todo[start:start + chunk_size]
        conversations = []
        for _, text in chunk:
            content, truncated = prompt.render(text, max_doc_tokens)
            summary.truncated_docs += truncated
            conversations.append([{"role": "user", "content": content}])
        c0 = time.perf_counter()
        outputs = llm.chat(conversations, params, use_tqdm=progress)
        per_doc = (time.perf_counter() - c0) / max(1, len(chunk))
        for (doc_id, _), out in zip(chunk, outputs):
            reply = out.outputs[0].text if out.outputs else ""
            pt = len(out.prompt_token_ids or [])
            ct = len(out.outputs[0].token_ids) if out.outputs else 0
            cut_off = bool(out.outputs) and out.outputs[0].finish_reason == "length"
            row = label_row(doc_id, reply, model, prompt.hash, labeller, latency_s=round(per_doc, 4),
                            prompt_tokens=pt, completion_tokens=ct, cut_off=cut_off, categories=categories)
            store.add(row)
            summary.requests += 1
            summary.prompt_tokens += pt
            summary.completion_tokens += ct
            if row["error"] is not None:
                summary.unparseable += 1
            else:
                summary.labelled += 1
        store.flush()
    summary.seconds = time.perf_counter() - t0
    return summary
