"""Answers in the briefing's own words: the sentences that answer, with numbered citations.

No text is generated. The answer is sentences copied from the best passages; each passage
they come from is a citation. A "what did X say" question takes the sentences that attribute
speech to X (and the quotation they introduce); other questions take the sentences closest
to the question. When even the best passage is not close enough, the answer says the
briefing does not cover the question and offers that passage only as the closest one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import numpy.typing as npt

from index.answering.confidence import (
    BASELINE_RANKS,
    CALIBRATIONS,
    UNCALIBRATED,
    Calibration,
    Confidence,
    confidence,
    found_in,
    names_all,
)
from index.answering.replies import NOT_COVERED as NOT_COVERED  # the English reply, for callers
from index.answering.replies import example_questions, not_covered_text, reply_text
from index.answering.suggestions import names_in, suggestions
from index.articles.dates import DateRange
from index.articles.metadata import month_number
from index.records import Hit
from index.retrieval.dating import Dating
from index.retrieval.lexical import fold, stopwords_of_every_language
from index.retrieval.question import Question
from index.retrieval.search import Searcher
from index.retrieval.speakers import (
    Attribution,
    attribution,
    closes_quote,
    name_key,
    opens_quote,
    speakers_in,
)
from index.retrieval.stories import find_versions

_CANDIDATES = 6
# A speaker's words may sit in a passage that ranks low for the whole question.
_SPEAKER_CANDIDATES = 50
_MAX_CITATIONS = 3
_MAX_SENTENCES = 4
_SENTENCE_MARGIN = 0.03
# Small talk offers the two people the briefing tells of most, /start asks what the three it
# quotes most said; they are counted in this many passages at most.
_EXAMPLE_NAMES = 2
_EXAMPLE_PEOPLE = 3
_EXAMPLE_PASSAGES = 2000
# A sentence of this many words or fewer may be a fragment: a dateline, a byline, an agency.
_FRAGMENT_WORDS = 6


@dataclass(frozen=True, slots=True)
class Citation:
    """A passage an answer quotes, numbered as in the answer text.

    ``sentences`` are ``(start, end)`` offsets, into the article's text, of the quoted
    sentences; ``versions`` are the same story in other articles (other languages, other
    agencies), closest first, cited once with this passage.
    """

    n: int
    hit: Hit
    sentences: tuple[tuple[int, int], ...]
    versions: tuple[Hit, ...] = ()

    @property
    def quoted(self) -> str:
        """The quoted sentences as one line: their own words, runs of white space as one."""
        passage = self.hit.passage
        return " ".join(" ".join(passage.excerpt(*span).split()) for span in self.sentences)


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer: its text with ``[n]`` markers, and the passages those numbers cite.

    When the briefing does not cover the question, ``suggestions`` are names and dates it
    does cover near it, to ask about instead. ``confidence`` holds the signals the decision
    to answer was taken on (``index.answering.confidence``). ``conversational`` answers are
    replies to a message that is no question about the briefing (small talk, no words):
    nothing was searched and nothing is cited.
    """

    question: str
    found: bool
    text: str
    citations: tuple[Citation, ...]
    hits: tuple[Hit, ...]
    suggestions: tuple[str, ...] = ()
    conversational: bool = False
    confidence: Confidence | None = None


class Answerer:
    """Turns a question into an ``Answer`` over one index."""

    def __init__(
        self,
        searcher: Searcher,
        dating: Dating,
        calibration: Calibration | None = None,
    ) -> None:
        """Answers with ``searcher`` (assembled in ``index.pipeline.Pipeline``).

        Args:
            searcher: Retrieval over the index.
            dating: The dates of its passages.
            calibration: When to answer (``index.answering.confidence``); default: the
                model's.
        """
        self.searcher = searcher
        self.dating = dating
        model = searcher.index.manifest.model
        self.calibration = calibration or CALIBRATIONS.get(model, UNCALIBRATED)

    def answer(self, question: Question, vector: npt.NDArray[np.float32] | None = None) -> Answer:
        """The answer to a question read by ``read_question``; a message that is no question
        gets its reply, unsearched.

        Args:
            question: The question.
            vector: Its query vector, when known (e.g. embedded in a batch).
        """
        if question.reply is not None:
            return self.reply(question)
        query = self.searcher.embed(question.text) if vector is None else vector
        speaker, intent = question.speaker, question.time
        deep = speaker is not None or intent.range is not None or intent.latest
        depth = _SPEAKER_CANDIDATES if deep else _CANDIDATES
        found = self.searcher.search(
            question.text, max(depth, BASELINE_RANKS[1]), query, diverse=not speaker
        )
        asked_day = intent.range if question.kind == "what happened" else None
        saying = [hit for hit in found if _says_anything(hit)]
        told = self.dating.telling(saying, asked_day) if asked_day else []
        signals = confidence(question, found, self.calibration, tells_day=bool(told))
        if signals.introduces:
            answer = self._introduction(question, saying)
        elif told and asked_day:
            answer = self._day_answer(question, told, asked_day)
        else:
            hits = self.dating.prefer([h for h in saying if h in found[:depth]], intent)
            answer = self._decided(question, query, hits, signals)
        return replace(answer, confidence=signals)

    def _introduction(self, question: Question, hits: list[Hit]) -> Answer:
        """The sentence that introduces the X of "Who is X?": the first naming X in the
        article of the best passage that names X."""
        named = [hit for hit in hits if names_all(question.defines, hit.passage.text)]
        best = max(named, key=lambda hit: hit.score)
        first = min(
            (hit for hit in named if hit.passage.source == best.passage.source),
            key=lambda hit: hit.passage.start,
        )
        sentences = list(first.passage.sentences)
        naming = [found_in(question.defines, _text(first, span)) for span in sentences]
        chosen = naming.index(max(naming))  # the first of those naming most of X
        spans = _with_quotes(first, sentences, [chosen])
        others = [hit for hit in hits if hit is not first]
        return self._one_story_once(_compose(question.text, [(first, spans)], [first, *others]))

    def _day_answer(self, question: Question, told: list[Hit], asked: DateRange) -> Answer:
        """What the passages ``told`` say of the asked day: the sentences naming it, else
        (an article of that day) the passage's first sentence that says something."""
        picked = []
        for hit in told[:_MAX_CITATIONS]:
            saying = [s for s in hit.passage.sentences if not _is_fragment(hit, s)]
            telling = self.dating.sentences_telling(hit.passage, asked)
            spans = [s for s in saying if s in telling] or saying[:1]
            picked.append((hit, spans))
        return self._one_story_once(_compose(question.text, picked, told))

    def _decided(
        self,
        question: Question,
        query: npt.NDArray[np.float32],
        hits: list[Hit],
        signals: Confidence,
    ) -> Answer:
        speaker, intent = question.speaker, question.time
        best = max((hit.score for hit in hits), default=0.0)
        quoted = self.calibration.quoted
        # A passage that tells of the asked time is as good a sign as one quoting the speaker.
        dated = self.dating.inside(hits, intent.range, mentioned=True) if intent.range else set()
        best_dated = max((h.score for h in hits if h.passage.id in dated), default=0.0)
        if speaker and signals.passes(best, quoted):
            timely = self.dating.inside(hits, intent.range) if intent.range else set()
            said = self._speaker_answer(question.text, hits, speaker, timely)
            if said:
                return self._one_story_once(said)
        if not signals.passes(best) and not (dated and signals.passes(best_dated, quoted)):
            return self._not_covered(question, hits[:_CANDIDATES])
        floor = signals.floor(quoted if dated else 0.0)
        answer = self._closest_sentences(question.text, query, hits[:_CANDIDATES], floor)
        return self._one_story_once(answer)

    def reply(self, question: Question) -> Answer:
        """The reply to a message that is no question (see ``index.retrieval.question``)."""
        text = reply_text(question, self.example_names)
        return Answer(question.text, False, text, (), (), conversational=True)

    @property
    def example_names(self) -> list[str]:
        """The two people (names of two words or more) the briefing quotes most, then
        mentions."""
        return self._people[0][:_EXAMPLE_NAMES]

    def example_questions(self, language: str) -> list[str]:
        """Three questions the briefing answers, in ``language`` where the bot speaks it: what
        the people it quotes most said, then what its first articles are about."""
        titles = [article.title for article in self.searcher.index.articles.values()]
        return example_questions(language, self._people[1], titles, _EXAMPLE_PEOPLE)

    @cached_property
    def _people(self) -> tuple[list[str], list[str]]:
        """The names of two words or more the briefing quotes most, then mentions; and the
        surnames of the people it quotes (``speakers_in``), most quoted, then most named, first.
        """
        passages = self.searcher.index.passages
        step = max(1, len(passages) // _EXAMPLE_PASSAGES)
        named: Counter[str] = Counter()
        mentions: Counter[str] = Counter()  # by the name key of the surname
        quoted: dict[str, Counter[str]] = {}  # the spellings of each quoted surname
        for passage in passages[::step]:
            for span in passage.sentences:
                sentence = passage.excerpt(*span)
                for name in names_in(sentence):
                    surname = name_key(name.split()[-1])
                    mentions[surname] += 1
                    if " " in name:
                        said = attribution(sentence, surname) == Attribution.DIRECT
                        named[name] += 3 if said else 1
                for speaker in speakers_in(sentence):
                    quoted.setdefault(name_key(speaker), Counter())[speaker] += 1
        people = {key for name in named for key in [name_key(name.split()[-1])]}
        ranked = sorted(
            (key for key in quoted if key in people),  # people have a first name somewhere
            key=lambda key: (-quoted[key].total(), -mentions[key]),
        )
        return (
            [name for name, _ in named.most_common(_EXAMPLE_NAMES)],
            [quoted[key].most_common(1)[0][0] for key in ranked[:_EXAMPLE_PEOPLE]],
        )

    def _one_story_once(self, answer: Answer) -> Answer:
        """Each story cited once: versions of a cited passage join it, not the answer's text."""
        index = self.searcher.index
        versions = find_versions(index, [c.hit.passage.id for c in answer.citations])
        kept: list[tuple[Hit, tuple[tuple[int, int], ...], tuple[Hit, ...]]] = []
        told: set[int] = set()
        for citation in answer.citations:
            if citation.hit.passage.id in told:
                continue
            others = tuple(versions.get(citation.hit.passage.id, ()))
            told |= {citation.hit.passage.id, *(hit.passage.id for hit in others)}
            kept.append((citation.hit, citation.sentences, others))
        if len(kept) == len(answer.citations) and not any(others for *_, others in kept):
            return answer
        cited = {hit.passage.id for hit, _, _ in kept}
        hits = [h for h in answer.hits if h.passage.id in cited or h.passage.id not in told]
        grouped = _compose(answer.question, [(hit, list(spans)) for hit, spans, _ in kept], hits)
        citations = tuple(
            replace(citation, versions=others)
            for citation, (*_, others) in zip(grouped.citations, kept, strict=True)
        )
        return replace(grouped, citations=citations)

    def _not_covered(self, question: Question, hits: list[Hit]) -> Answer:
        """Says so in the question's language, with names and dates the briefing does cover."""
        offered = tuple(suggestions(hits, question))
        if not hits:
            return Answer(question.text, False, not_covered_text(question, None, ()), (), ())
        best = hits[0]
        first = next(s for s in best.passage.sentences if not _is_fragment(best, s))
        text = not_covered_text(question, f"{_quote(best, [first])} [1]", offered)
        citation = Citation(1, best, (first,))
        return Answer(question.text, False, text, (citation,), tuple(hits), offered)

    def _speaker_answer(
        self, question: str, hits: list[Hit], speaker: str, timely: set[int]
    ) -> Answer | None:
        """Sentences attributing speech to the speaker: passages of the asked time (``timely``
        ids) first, then those with direct quotes."""
        found: list[tuple[Attribution, int, Hit, list[tuple[int, int]]]] = []
        for rank, hit in enumerate(hits):
            sentences = list(hit.passage.sentences)
            strengths = [attribution(_text(hit, s), speaker) for s in sentences]
            if max(strengths) == Attribution.NONE:
                continue
            strongest = max(strengths)
            chosen = [i for i, strength in enumerate(strengths) if strength == strongest]
            found.append((strongest, rank, hit, _with_quotes(hit, sentences, chosen)))
        if not found:
            return None
        found.sort(key=lambda item: (item[2].passage.id not in timely, -item[0], item[1]))
        picked = [(hit, spans) for _, _, hit, spans in found[:_MAX_CITATIONS]]
        reordered = [hit for hit, _ in picked] + [
            h for h in hits if h not in {p[0] for p in picked}
        ]
        return _compose(question, picked, reordered)

    def _closest_sentences(
        self, question: str, query: npt.NDArray[np.float32], hits: list[Hit], floor: float
    ) -> Answer:
        """The sentences of the best passages (scoring ``floor`` or more) closest in meaning."""
        pool = [h for h in hits[:_MAX_CITATIONS] if h.score >= floor] or hits[:1]
        index = self.searcher.index
        spans = [(hit, span) for hit in pool for span in hit.passage.sentences]
        vectors = index.sentence_vectors_of(np.array([hit.passage.id for hit in pool], np.int64))
        similarity = vectors @ query
        fragments = np.array([_is_fragment(hit, span) for hit, span in spans])
        similarity = np.where(fragments, -np.inf, similarity)  # each hit has a sentence left
        best = float(similarity.max())
        chosen: dict[int, list[tuple[int, int]]] = {}
        for row in np.argsort(-similarity, kind="stable")[:_MAX_SENTENCES]:
            hit, span = spans[row]
            if not chosen or similarity[row] >= best - _SENTENCE_MARGIN:
                chosen.setdefault(pool.index(hit), []).append(span)
        picked = [(pool[i], sorted(chosen[i])) for i in sorted(chosen)]
        return _compose(question, picked, hits)


def _compose(
    question: str, picked: list[tuple[Hit, list[tuple[int, int]]]], hits: list[Hit]
) -> Answer:
    parts = [f"{_quote(hit, spans)} [{n}]" for n, (hit, spans) in enumerate(picked, 1)]
    citations = tuple(Citation(n, hit, tuple(spans)) for n, (hit, spans) in enumerate(picked, 1))
    return Answer(question, True, " ".join(parts), citations, tuple(hits))


def _text(hit: Hit, span: tuple[int, int]) -> str:
    return hit.passage.excerpt(*span)


def _says_anything(hit: Hit) -> bool:
    """Whether the passage has a sentence that is not a fragment (see ``_is_fragment``)."""
    return not all(_is_fragment(hit, span) for span in hit.passage.sentences)


def _is_fragment(hit: Hit, span: tuple[int, int]) -> bool:
    """Whether the sentence says nothing on its own: a dateline (``LONDRES, le 26 mai.``), an
    agency (``/TASS/.``), a byline (``By Jane Smith``). Such a short run of names, capitals,
    numbers, months and little words is never an answer sentence."""
    words = re.findall(r"[^\W_][\w'’-]*", _text(hit, span))
    if len(words) > _FRAGMENT_WORDS:
        return False
    return not any(_says_something(word) for word in words)


def _says_something(word: str) -> bool:
    """A word that is not a name, a number, a month or a little word (which any sentence
    has); words of scripts without capitals count, as nothing marks their names."""
    if word[0].isupper() or word[0].isdigit() or month_number(word) is not None:
        return False
    return fold(word) not in stopwords_of_every_language()


def _with_quotes(
    hit: Hit, sentences: list[tuple[int, int]], chosen: list[int]
) -> list[tuple[int, int]]:
    """The chosen sentences, grown to take in a quotation they open or close."""
    keep = set(chosen)
    for index in chosen:
        forward = index
        while opens_quote(_text(hit, sentences[forward])) and forward + 1 < len(sentences):
            forward += 1
            keep.add(forward)
            if closes_quote(_text(hit, sentences[forward])):
                break
        backward = index
        while closes_quote(_text(hit, sentences[backward])) and backward > 0:
            backward -= 1
            keep.add(backward)
            if opens_quote(_text(hit, sentences[backward])):
                break
    return [sentences[i] for i in sorted(keep)]


def _quote(hit: Hit, spans: list[tuple[int, int]] | tuple[tuple[int, int], ...]) -> str:
    """The sentences in order, with "…" where the passage skips some."""
    pieces: list[str] = []
    previous_end: int | None = None
    for start, end in spans:
        if previous_end is not None and hit.passage.excerpt(previous_end, start).strip():
            pieces.append("…")
        pieces.append(_text(hit, (start, end)))
        previous_end = end
    return " ".join(pieces)
