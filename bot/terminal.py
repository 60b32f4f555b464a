"""The answers in a terminal: ``briefing-bot ask`` and ``briefing-bot chat``."""

from __future__ import annotations

import json
import textwrap

from index.answers import Answer, Citation


def citation_json(citation: Citation) -> dict[str, object]:
    """One citation in the JSON shape of ``briefing-bot ask --json``."""
    return {"n": citation.n, **citation.hit.as_json()}


def answer_json(answer: Answer) -> str:
    """One line of ``briefing-bot ask --json``."""
    return json.dumps(
        {
            "question": answer.question,
            "found": answer.found,
            "answer": answer.text,
            "citations": [citation_json(c) for c in answer.citations],
        },
        ensure_ascii=False,
    )


def source_line(citation: Citation) -> str:
    """``[1] Title, 2018-05-26, paragraph 2 (file.txt)``."""
    article, passage = citation.hit.article, citation.hit.passage
    date = f", {article.date}" if article.date else ""
    return f"[{citation.n}] {article.title}{date}, paragraph {passage.paragraph} ({passage.source})"


def answer_text(answer: Answer, width: int = 96) -> str:
    """The answer wrapped for a terminal, then its sources."""
    lines = textwrap.wrap(answer.text, width=width) or [answer.text]
    if answer.citations:
        lines += ["", "Sources:", *(source_line(c) for c in answer.citations)]
    return "\n".join(lines) + "\n"
