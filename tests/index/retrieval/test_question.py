"""What a message is before it is searched (index.questions), and what never answers it:
small talk gets a friendly reply without a citation; datelines, agencies and bylines are
never answer sentences."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from index.build import build_index
from index.pipeline import Pipeline
from index.retrieval.question import MAX_QUESTION, clean_question, read_question, small_talk
from index.store.folder import load_index
from tests.support.fakes import FakeEmbedder


@pytest.mark.parametrize(
    ("typed", "cleaned"),
    [
        ("What did Lav\u200brov s\u200day\u2060?", "What did Lavrov say?"),
        ("\u202eWhat did Lavrov say?\u202c", "What did Lavrov say?"),
        ("What did\x00Lavrov\tsay?\r\n", "What did Lavrov say?"),
        ("\x1b[31mLavrov\x1b[0m", "[31mLavrov [0m"),
        ("Ｗｈａｔ ｄｉｄ Ｌａｖｒｏｖ ｓａｙ？", "What did Lavrov say?"),
        ("  Qu’a dit\u00a0Lavrov\u3000? ", "Qu’a dit Lavrov ?"),
        ("\ufeffماذا قال لافروف؟", "ماذا قال لافروف؟"),
    ],
)
def test_a_question_is_cleaned_of_what_a_reader_does_not_see(typed: str, cleaned: str) -> None:
    assert clean_question(typed) == cleaned
    assert read_question(typed).text == cleaned and read_question(typed).reply is None


@pytest.mark.parametrize(
    ("typed", "kind", "language"),
    [
        ("hello", "greeting", "en"),
        ("Hi there!", "greeting", "en"),
        ("thanks", "thanks", "en"),
        ("Thank you very much 🙏", "thanks", "en"),
        ("what can you do?", "about", "en"),
        ("Bonjour !", "greeting", "fr"),
        ("Merci beaucoup", "thanks", "fr"),
        ("Danke schön", "thanks", "de"),
        ("¡Hola!", "greeting", "es"),
        ("Спасибо!", "thanks", "ru"),
        ("ok", "ack", "en"),
    ],
)
def test_small_talk_is_told_apart_with_its_language(typed: str, kind: str, language: str) -> None:
    assert small_talk(typed) == (kind, language)
    assert read_question(typed).reply == "small talk"


@pytest.mark.parametrize(
    "typed",
    [
        "What did Lavrov say?",
        "hi, what did Lavrov say?",
        "Thanks to whom did the talks fail?",
        "Who said hello to Boris Johnson?",
        "Merci Lavrov",
        "good",
        "help with cyber security talks",
    ],
)
def test_a_question_with_something_to_ask_about_is_no_small_talk(typed: str) -> None:
    assert small_talk(typed) is None and read_question(typed).reply is None


def test_no_words_and_too_long_are_told_apart() -> None:
    assert read_question("🎉 \u200b 🔥").reply == "no words"
    assert read_question("why " * MAX_QUESTION).reply == "too long"
    assert read_question("x" * MAX_QUESTION).reply is None


@pytest.fixture
def briefing(seeds_dir: Path, index_dir: Path, fake_embedder: FakeEmbedder) -> Path:
    (seeds_dir / "wire.txt").write_text(
        "Talks on the border\n\n"
        "MOSCOW, May 26 (Reuters) - Talks on the border resumed on Friday, the ministry said.\n\n"
        "By Jane Smith\n\n"
        "Reuters.\n\n"
        "Maria Zakharova said the talks would go on next week in Geneva.\n",
        encoding="utf-8",
    )
    build_index(seeds_dir, index_dir, fake_embedder)
    return index_dir


# Fragments in the seeds (``LONDRES, le 26 mai. /TASS/.``) and in the article above.
_FRAGMENTS = ("LONDRES, le 26 mai.", "/TASS/.", "By Jane Smith", "Reuters.")


@pytest.mark.parametrize("threshold", [0.0, 2.0], ids=["answered", "not covered"])
@pytest.mark.parametrize(
    "question",
    ["LONDRES, le 26 mai. /TASS/.", "TASS", "By Jane Smith", "Reuters", "hello TASS London"],
)
def test_datelines_bylines_and_agencies_are_never_answer_sentences(
    briefing: Path, fake_embedder: FakeEmbedder, question: str, threshold: float
) -> None:
    answerer = Pipeline.over(load_index(briefing), fake_embedder, threshold=threshold)
    answer = answerer.answer(question)
    assert answer.citations
    quoted = [
        citation.hit.passage.excerpt(*span)
        for citation in answer.citations
        for span in citation.sentences
    ]
    assert not [sentence for sentence in quoted if sentence.strip() in _FRAGMENTS]


def test_small_talk_is_replied_to_with_the_people_the_briefing_quotes(
    briefing: Path, fake_embedder: FakeEmbedder
) -> None:
    answerer = Pipeline.over(load_index(briefing), fake_embedder)
    answer = answerer.answer("Hello!")
    assert answer.conversational and not answer.found
    assert (answer.citations, answer.hits) == ((), ())
    assert answer.text.startswith("Hello! I answer questions about the news briefing")
    assert "Maria Zakharova" in answer.text
    assert answerer.answer("Merci !").text.startswith("Avec plaisir !")


@pytest.mark.parametrize(
    ("typed", "kind"),
    [
        ("How many people were expelled?", "how many"),
        ("Combien de diplomates ?", "how many"),
        ("Who is Andrey Krutskikh?", "who"),
        ("Кто такой Крутских?", "who"),
        ("What is NotPetya?", "what is"),
        ("Qu'est-ce que NotPetya ?", "what is"),
        ("And when did Lavrov speak?", "when"),
        ("Wo fand das Treffen statt?", "where"),
        ("What did Lavrov say?", "said"),
        ("Lavrov and the embassy", "other"),
        ("Whoever wins?", "other"),
    ],
)
def test_a_question_is_read_once_into_what_every_stage_takes(typed: str, kind: str) -> None:
    question = read_question(typed, date(2018, 5, 26))
    assert question.kind == kind and question.reply is None
    assert question.text == clean_question(typed)


def test_the_question_value_holds_its_speaker_time_language_and_names() -> None:
    question = read_question("Qu'a dit Lavrov sur Londres la semaine dernière ?", date(2018, 5, 26))
    assert question.speaker == "lavrov" and question.language == "fr"
    assert question.time.range is not None and question.time.range.end == date(2018, 5, 20)
    assert "lavrov" in question.topic_keys and "dit" not in question.topic_keys
    assert question.name_keys >= question.topic_keys
    talk = read_question("Merci beaucoup !")
    assert (talk.reply, talk.small_talk, talk.language) == ("small talk", "thanks", "fr")
