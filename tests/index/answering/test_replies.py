"""What the bot says when the briefing's sentences are not the answer (index.answering.replies)."""

from __future__ import annotations

from index.answering.replies import not_covered_text
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
