"""The answers in a terminal: ``briefing-bot ask`` and ``briefing-bot chat``."""

from __future__ import annotations

import json
import textwrap

from index.answering.answers import Answer, Citation


def citation_json(citation: Citation) -> dict[str, object]:
    """One citation in the JSON shape of ``briefing-bot ask --json``."""
    also_in = [
        {
            "language": hit.article.language,
            "source": hit.passage.source,
            "paragraph": hit.passage.paragraph,
            "title": hit.article.title,
        }
        for hit in citation.versions
    ]
    return {"n": citation.n, **citation.hit.as_json(), "also_in": also_in}


def answer_json(answer: Answer) -> str:
    """One line of ``briefing-bot ask --json``."""
    return json.dumps(
        {
            "question": answer.question,
            "found": answer.found,
            "answer": answer.text,
            "citations": [citation_json(c) for c in answer.citations],
            "confidence": answer.confidence.as_json() if answer.confidence else None,
        },
        ensure_ascii=False,
    )


def source_line(citation: Citation) -> str:
    """``[1] Title, 2018-05-26, paragraph 2 (file.txt)``; ``, page 3`` for a PDF, the link
    after it for a feed entry or a web page."""
    hit = citation.hit
    article, passage = hit.article, hit.passage
    date = f", {article.date}" if article.date else ""
    page = f", page {hit.page}" if hit.page is not None else ""
    line = f"[{citation.n}] {article.title}{date}, paragraph {passage.paragraph}{page}"
    line += f" ({article.file})" + (f" {article.link}" if article.link else "")
    if citation.versions:
        versions = ", ".join(
            f"{hit.article.language.upper()} ({hit.passage.source})" for hit in citation.versions
        )
        line += f"; also in: {versions}"
    return line


def answer_text(answer: Answer, width: int = 96) -> str:
    """The answer wrapped for a terminal, then its sources."""
    lines = textwrap.wrap(answer.text, width=width) or [answer.text]
    if answer.citations:
        lines += ["", "Sources:", *(source_line(c) for c in answer.citations)]
    return "\n".join(lines) + "\n"
