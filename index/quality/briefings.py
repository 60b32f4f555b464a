"""``briefing-index eval answers``: the whole answer pipeline over an XQuAD-R briefing.

XQuAD-R is parallel: paragraph ``n`` of every language is one story. A briefing is made of the
paragraphs of some articles in some languages (``pool``), one file per paragraph and language
(``de/0153.txt``); questions in another language ask about it, and questions of other articles
must be refused. Every question goes through the pipeline users get (``Pipeline.answer``, as
``ask`` does), embedded in batches as the bot embeds them. The figures:

* answered: answerable questions the pipeline answered (did not say "not in the briefing");
* first citation right: answerable questions whose first citation is the question's paragraph,
  in any language, over all answerable questions;
* off-topic abstained: questions of other articles told "not in the briefing";
* other versions grouped: of the answers whose first citation is right, those that list the
  same paragraph in every other pool language as versions of it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from index.answering.answers import Answer
from index.embedding.models import Embedder
from index.errors import BriefingError
from index.pipeline import Pipeline
from index.quality.evaluation import read_articles, xquad_index
from index.store.folder import StoredIndex

_BATCH = 64


@dataclass(frozen=True, slots=True)
class BriefingQuestion:
    """A question of the briefing: its text, and its paragraph (None: an off-topic one)."""

    text: str
    paragraph: int | None


@dataclass(frozen=True, slots=True)
class Outcome:
    """What the pipeline did with one question."""

    question: str
    paragraph: int | None
    answered: bool
    cited: int | None  # the first citation's paragraph
    grouped: bool  # every other pool language's version listed under it
    signals: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BriefingScores:
    """The figures of one briefing (see the module's docstring)."""

    pool: tuple[str, ...]
    questions: str
    articles: str
    paragraphs: int
    answerable: int
    off_topic: int
    answered: float
    first_citation_right: float
    off_topic_abstained: float
    other_versions_grouped: float

    def as_dict(self) -> dict[str, Any]:
        figures = asdict(self)
        figures["pool"] = list(self.pool)
        return figures


def article_range(text: str) -> list[int]:
    """``30-47`` or ``30,31,40-42`` as article numbers."""
    numbers: list[int] = []
    try:
        for part in text.split(","):
            first, _, last = part.strip().partition("-")
            numbers.extend(range(int(first), int(last or first) + 1))
    except ValueError:
        raise BriefingError(
            f"--articles takes numbers and ranges such as 30-47, not {text!r}"
        ) from None
    return sorted(set(numbers))


def make_briefing(
    data_dir: Path,
    pool: Sequence[str],
    question_language: str,
    articles: Sequence[int],
    off_topic_articles: Sequence[int],
    off_topic: int,
) -> tuple[dict[str, str], list[BriefingQuestion]]:
    """The briefing's files (``de/0153.txt`` → paragraph 153 in German) and its questions:
    those of ``articles`` in ``question_language``, then up to ``off_topic`` questions of
    ``off_topic_articles``, spread evenly over them."""
    numbered = _numbered(read_articles(data_dir, question_language))
    files = {
        f"{language}/{number:04d}.txt": paragraph["context"]
        for language in pool
        for article, number, paragraph in _numbered(read_articles(data_dir, language))
        if article in articles
    }
    questions = [
        BriefingQuestion(qa["question"], number)
        for article, number, paragraph in numbered
        if article in articles
        for qa in paragraph["qas"]
    ]
    others = [
        BriefingQuestion(qa["question"], None)
        for article, _, paragraph in numbered
        if article in off_topic_articles and article not in articles
        for qa in paragraph["qas"]
    ]
    step = max(1, len(others) // off_topic) if off_topic else 0
    chosen = others[::step][:off_topic] if step else []
    return files, questions + chosen


def _numbered(
    articles: list[list[dict[str, Any]]],
) -> list[tuple[int, int, dict[str, Any]]]:
    """(article, paragraph number over the whole file, paragraph)."""
    numbered: list[tuple[int, int, dict[str, Any]]] = []
    for article, paragraphs in enumerate(articles):
        for paragraph in paragraphs:
            numbered.append((article, len(numbered), paragraph))
    return numbered


def story_indexes(
    data_dir: Path, pool: Sequence[str], articles: str, work_dir: Path, embedder: Embedder
) -> tuple[StoredIndex, StoredIndex]:
    """Two briefings of ``articles`` in ``pool``: every paragraph in every language, each
    story's versions all there; and a split one, where the i-th language keeps only paragraphs
    of one parity (even for the first, odd for the second, ...), so that neighbouring
    paragraphs, on the same topic, are there but no version of them in a language of the other
    parity.

    Raises:
        BriefingError: The data is not there, or the articles name none.
    """
    files, _ = make_briefing(data_dir, pool, pool[0], article_range(articles), [], 0)
    if not files:
        raise BriefingError(f"--articles {articles} names no article of XQuAD-R (0-47)")
    parity = {language: i % 2 for i, language in enumerate(pool)}
    split = {
        source: text
        for source, text in files.items()
        if paragraph_of(source) % 2 == parity[source.split("/")[0]]
    }
    name = [*pool, "articles", articles.replace(",", "_")]
    return (
        xquad_index(files, name, work_dir, embedder),
        xquad_index(split, [*name, "split"], work_dir, embedder),
    )


def same_paragraph(first: str, second: str) -> bool:
    """Whether two briefing files are versions of one XQuAD-R paragraph."""
    return paragraph_of(first) == paragraph_of(second)


def paragraph_of(source: str) -> int:
    """The XQuAD-R paragraph number of a briefing file (``de/0153.txt`` → 153)."""
    return int(Path(source).stem)


def ask_all(
    pipeline: Pipeline, questions: Sequence[BriefingQuestion], pool: Sequence[str]
) -> list[Outcome]:
    """Every question through the pipeline, embedded in batches as the bot embeds them."""
    read = [pipeline.read(question.text) for question in questions]
    outcomes = []
    for start in range(0, len(read), _BATCH):
        batch = read[start : start + _BATCH]
        vectors = pipeline.embedder.embed_queries([question.text for question in batch])
        for question, vector, asked in zip(
            batch, vectors, questions[start : start + _BATCH], strict=True
        ):
            answer = pipeline.answer(question, vector)
            outcomes.append(_outcome(asked, answer, pool))
    return outcomes


def _outcome(asked: BriefingQuestion, answer: Answer, pool: Sequence[str]) -> Outcome:
    signals = answer.confidence.as_json() if answer.confidence else {}
    if not answer.found or not answer.citations:
        return Outcome(asked.text, asked.paragraph, False, None, False, signals)
    first = answer.citations[0]
    cited = paragraph_of(first.hit.passage.source)
    languages = {first.hit.article.language}
    versions = {
        version.article.language
        for version in first.versions
        if paragraph_of(version.passage.source) == cited
    }
    grouped = set(pool) - languages <= versions
    return Outcome(asked.text, asked.paragraph, True, cited, grouped, signals)


def score(
    outcomes: Sequence[Outcome],
    pool: Sequence[str],
    question_language: str,
    articles: str,
    paragraphs: int,
) -> BriefingScores:
    """The figures of the module's docstring over ``outcomes``."""
    answerable = [o for o in outcomes if o.paragraph is not None]
    off_topic = [o for o in outcomes if o.paragraph is None]
    right = [o for o in answerable if o.answered and o.cited == o.paragraph]
    return BriefingScores(
        pool=tuple(pool),
        questions=question_language,
        articles=articles,
        paragraphs=paragraphs,
        answerable=len(answerable),
        off_topic=len(off_topic),
        answered=share(sum(o.answered for o in answerable), len(answerable)),
        first_citation_right=share(len(right), len(answerable)),
        off_topic_abstained=share(sum(not o.answered for o in off_topic), len(off_topic)),
        other_versions_grouped=share(sum(o.grouped for o in right), len(right)),
    )


def share(count: int, total: int) -> float:
    """``count`` of ``total``, to three places (0.0 of none)."""
    return round(count / total, 3) if total else 0.0


def evaluate_briefing(
    data_dir: Path,
    pool: Sequence[str],
    question_language: str,
    articles: str,
    off_topic_articles: str,
    off_topic: int,
    work_dir: Path,
    embedder: Embedder,
) -> tuple[BriefingScores, list[Outcome]]:
    """Builds the briefing (its vectors kept in ``work_dir`` and reused), asks every question.

    Raises:
        BriefingError: The data is not there, or the articles name none.
    """
    chosen = article_range(articles)
    files, questions = make_briefing(
        data_dir, pool, question_language, chosen, article_range(off_topic_articles), off_topic
    )
    if not files:
        raise BriefingError(f"--articles {articles} names no article of XQuAD-R (0-47)")
    index = xquad_index(files, [*pool, "articles", articles.replace(",", "_")], work_dir, embedder)
    outcomes = ask_all(Pipeline.over(index, embedder), questions, pool)
    paragraphs = len({paragraph_of(source) for source in files})
    return score(outcomes, pool, question_language, articles, paragraphs), outcomes
