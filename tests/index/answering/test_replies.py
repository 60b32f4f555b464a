"""What the bot says when the briefing's sentences are not the answer (index.answering.replies)."""

from __future__ import annotations

from index.answering.replies import example_questions, not_covered_text
from index.retrieval.question import read_question


def test_not_covered_speaks_the_question_language() -> None:
    assert not_covered_text(read_question("Who won the World Cup?"), None, ()) == (
        "The briefing does not seem to cover this."
    )
    french = not_covered_text(
        read_question("Qui a gagné la Coupe du monde ?"), "« … » [1]", ["Lavrov", "Paris"]
    )
    assert french.startswith("Le briefing ne semble pas traiter de cette question.")
    assert "Lavrov et Paris" in french and french.endswith("Le passage le plus proche : « … » [1]")


def test_example_questions_ask_of_each_surname_once_then_of_the_articles() -> None:
    people = ["Sergei Lavrov", "Lavrov", "Maria Zakharova"]
    assert example_questions("de", people, ["Skripal", "Berlin"], 3) == [
        "Was hat Lavrov gesagt?",
        "Was hat Zakharova gesagt?",
        "Was sagt das Briefing über „Skripal“?",
    ]
    assert example_questions("pt-BR", [], ["Skripal"], 2) == [
        "O que diz o briefing sobre «Skripal»?"
    ]
    assert example_questions("xx", ["Лавров"], [], 3) == ["What did Лавров say?"]
