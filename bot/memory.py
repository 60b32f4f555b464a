"""The last answers the bot sent, under the key their buttons carry; the oldest are forgotten.

One answer is kept as what its buttons need and nothing more (ints and the strings a verdict is
stored with, no ``Answer``, hit or index object): the further passages "More" pages through,
the sentences each citation quotes (bold where a passage is read), and the question, text and
cited passages a 👍/👎 is stored with, so a verdict records what the reader saw.
"""

from __future__ import annotations

import secrets
from collections import OrderedDict
from dataclasses import dataclass

from bot.callbacks import ANSWER_KEYS
from bot.marks import Cited, cited_of
from index.answering.answers import Answer
from index.feedback import CitedPassage, cited_passages

REMEMBERED_ANSWERS = 1000


@dataclass(frozen=True, slots=True)
class Remembered:
    """One answer as its buttons need it, and the chat whose buttons may use it.

    Attributes:
        chat_id: The chat it was sent to.
        question: The question as asked.
        text: The answer as sent.
        further: The passages found beyond those cited, best first ("More").
        cited: What each citation quotes.
        passages: The cited passages as the reader saw them (stored with a verdict).
    """

    chat_id: int
    question: str
    text: str
    further: tuple[int, ...]
    cited: tuple[Cited, ...]
    passages: tuple[CitedPassage, ...]


class AnswerMemory:
    """The last ``REMEMBERED_ANSWERS`` answers, by key."""

    def __init__(self, size: int | None = None) -> None:
        self._size = REMEMBERED_ANSWERS if size is None else size
        self._answers: OrderedDict[int, Remembered] = OrderedDict()

    def __len__(self) -> int:
        return len(self._answers)

    def remember(self, chat_id: int, answer: Answer) -> int:
        """Keeps what the buttons of ``answer``, sent to ``chat_id``, need; returns its key.

        Keys are random, so a button from before a restart finds nothing rather than another
        question's answer.
        """
        key = secrets.randbelow(ANSWER_KEYS - 1) + 1
        while key in self._answers:
            key = secrets.randbelow(ANSWER_KEYS - 1) + 1
        cited = {c.hit.passage.id for c in answer.citations}
        further = tuple(hit.passage.id for hit in answer.hits if hit.passage.id not in cited)
        self._answers[key] = Remembered(
            chat_id, answer.question, answer.text, further, cited_of(answer), cited_passages(answer)
        )
        while len(self._answers) > self._size:
            self._answers.popitem(last=False)
        return key

    def recall(self, key: int, chat_id: int) -> Remembered | None:
        """The answer kept under ``key`` for this chat; None when forgotten or another chat's."""
        remembered = self._answers.get(key)
        return remembered if remembered is not None and remembered.chat_id == chat_id else None
