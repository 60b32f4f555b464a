"""The answers in a terminal: ``briefing-bot ask`` and ``briefing-bot chat``."""

from __future__ import annotations

import json
import textwrap

from index.answering.answers import Answer, Citation
from index.answering.digest import Digest, Story, numbered


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


def digest_text(digest: Digest, width: int = 96) -> str:
    """``briefing-bot digest``: each story's headline, when, languages and sources, its
    sentences, then the numbered sources."""
    stories = numbered(digest)
    lines = [_digest_head(digest)]
    for rank, story in enumerate(stories, 1):
        lines += ["", f"{rank}. {story.headline}", f"   {_story_line(story)}"]
        lines += textwrap.wrap(
            _summary_text(story), width=width, initial_indent="   ", subsequent_indent="   "
        )
    citations = [c for story in stories for c in story.summary]
    if citations:
        lines += ["", "Sources:", *(source_line(c) for c in citations)]
    return "\n".join(lines) + "\n"


def digest_json(digest: Digest) -> str:
    """``briefing-bot digest --json``: the period and the stories, their citations as answers'."""
    return json.dumps(
        {
            "period": digest.period.name,
            "from": digest.period.range.start.isoformat() if digest.period.range else None,
            "to": digest.period.range.end.isoformat() if digest.period.range else None,
            "undated_left_out": digest.undated,
            "stories": [
                {
                    "headline": story.headline,
                    "date": story.date,
                    "languages": list(story.languages),
                    "sources": list(story.sources),
                    "articles": [a.source for a in story.articles],
                    "summary": " ".join(c.quoted for c in story.summary),
                    "citations": [citation_json(c) for c in story.summary],
                }
                for story in numbered(digest)
            ],
        },
        ensure_ascii=False,
    )


def _digest_head(digest: Digest) -> str:
    count = len(digest.stories)
    head = f"Digest of {digest.period.describe()}: {count} stor{'y' if count == 1 else 'ies'}"
    if not count:
        head += " (nothing dated in it; `briefing-bot digest all` shows the whole briefing)"
    if digest.undated:
        head += f"; {digest.undated} undated article{'s' * (digest.undated != 1)} left out"
    return head + "."


def _story_line(story: Story) -> str:
    """``2018-05-26 · FR, EN · TASS, 002_london_en.txt``."""
    languages = ", ".join(language.upper() for language in story.languages)
    return " · ".join([story.date or "undated", languages, ", ".join(story.sources)])


def _summary_text(story: Story) -> str:
    return " ".join(f"{c.quoted} [{c.n}]" for c in story.summary)
