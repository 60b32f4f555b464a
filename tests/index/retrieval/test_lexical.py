from __future__ import annotations

import numpy as np

from index.retrieval.lexical import LexicalIndex, fold, tokenize
from index.retrieval.search import _top_positive


def test_fold_removes_case_and_accents() -> None:
    assert fold("Sergueï DÉCLARÉ") == "serguei declare"


def test_tokenize_drops_stopwords_of_several_languages() -> None:
    assert tokenize("What did Lavrov say about the Bundestag?") == ["lavrov", "say", "bundestag"]
    assert tokenize("Qu’a dit le ministre à Londres ?") == ["ministre", "londres"]
    assert tokenize("Что сказал министр?") == ["skazal", "ministr"]


def test_tokenize_cuts_cjk_into_bigrams() -> None:
    assert tokenize("外交部说") == ["外交", "交部", "部说"]


def test_names_match_across_languages() -> None:
    index = LexicalIndex(
        [
            "The minister spoke to reporters.",
            "En particulier, Sergueï Lavrov a annoncé une initiative.",
            "NotPetya was used in December 2017.",
        ]
    )
    scores = index.scores("What did Lavrov say about NotPetya?")
    assert scores[0] == 0 and scores[1] > 0 and scores[2] > 0
    assert not index.scores("chocolate cake").any()


def test_top_positive_matches_a_full_sort() -> None:
    rng = np.random.default_rng(3)
    scores = np.where(rng.random(300) < 0.5, 0, rng.random(300)).astype(np.float32)
    expected = [int(i) for i in np.argsort(-scores, kind="stable") if scores[i] > 0]
    assert _top_positive(scores, 20).tolist() == expected[:20]
    assert _top_positive(scores, 1000).tolist() == expected


def test_each_language_is_stemmed_with_its_own_rules() -> None:
    assert tokenize("sanctions", "en") == ["sanctions", "sanction"]
    assert tokenize("Il a déclaré", "fr")[-1] == tokenize("déclarer", "fr")[-1] == "declar"
    assert tokenize("Лаврова", "ru") == ["lavrova", "lavrov"]
    assert tokenize("sanctions") == ["sanctions"], "no language, no stemming"


def test_stopwords_are_those_of_the_text_language() -> None:
    assert tokenize("die Sanktionen", "de") == ["sanktionen", "sanktion"]
    assert "die" in tokenize("they will die", "en")


def test_inflected_forms_meet_through_their_stems() -> None:
    index = LexicalIndex(
        ["Le ministre a déclaré que les sanctions étaient prêtes.", "Il pleut à Paris."],
        ["fr", "fr"],
    )
    scores = index.scores("Qu'a-t-il déclarer sur la sanction ?", "fr")
    assert scores[0] > 0 and scores[1] == 0
    exact = index.scores("sanctions", "fr")[0]
    assert exact > index.scores("sanction", "fr")[0] > 0, "an exact match counts for more"
