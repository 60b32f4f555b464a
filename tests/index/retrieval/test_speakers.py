from __future__ import annotations

import pytest

from index.retrieval.speakers import (
    Attribution,
    asked_speaker,
    attribution,
    closes_quote,
    name_key,
    opens_quote,
    speakers_in,
)


@pytest.mark.parametrize(
    ("question", "speaker"),
    [
        ("What did Lavrov say?", "lavrov"),
        ("what does lavrov think about Berlin?", "lavrov"),
        ("What did Maria Zakharova say?", "zakharova"),
        ("What did the Russian embassy in London say?", "embassy"),
        ("Qu'a dit Lavrov ?", "lavrov"),
        ("Qu’a déclaré Maria Zakharova ?", "zakharova"),
        ("Que pense l’ambassade de Russie de la position britannique ?", "ambassade"),
        ("Was hat Lawrow gesagt?", "lavrov"),
        ("Что сказал Лавров?", "lavrov"),
        ("¿Qué dijo Lavrov?", "lavrov"),
        ("Who won the World Cup?", None),
        ("What sanctions can the EU impose?", None),
    ],
)
def test_asked_speaker(question: str, speaker: str | None) -> None:
    assert asked_speaker(question) == speaker


def test_name_spellings_share_a_key() -> None:
    assert name_key("Lawrow") == name_key("Лавров") == name_key("Lavrov")
    assert name_key("Захарова") == name_key("Zakharova")


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        (
            "The Russian foreign Minister Sergei Lavrov said Berlin gave no evidence.",
            Attribution.DIRECT,
        ),
        ("« Nous sommes prêts », a déclaré Sergueï Lavrov.", Attribution.DIRECT),
        ("According to Lavrov, talks are possible.", Attribution.DIRECT),
        (
            "Une initiative a été annoncée par le ministre des affaires étrangères de la Russie "
            "Sergueï Lavrov lors des négociations.",
            Attribution.MENTION,
        ),
        ("Lavrov met Boris Johnson in Moscow.", Attribution.NONE),
        ("Zakharova said that Moscow rejects the accusations.", Attribution.NONE),
    ],
)
def test_attribution(sentence: str, expected: Attribution) -> None:
    assert attribution(sentence, "lavrov") == expected


def test_cross_script_attribution() -> None:
    speaker = asked_speaker("Что заявила Захарова?")
    assert speaker is not None
    assert (
        attribution("Maria Zakharova said that Moscow firmly rejects it.", speaker)
        == Attribution.DIRECT
    )


def test_quote_balance() -> None:
    assert opens_quote("« La partie russe a proposé des consultations.")
    assert closes_quote("Malheureusement, notre offre est ignorée ».")
    assert not opens_quote("« Il est dommage », a dit le diplomate.")
    assert opens_quote('"Berlin unilaterally disrupted the talks.')


@pytest.mark.parametrize(
    ("sentence", "speakers"),
    [
        ("Lavrov said the claims were absurd.", ["Lavrov"]),
        ("« C’est absurde », a déclaré Lavrov à Moscou.", ["Lavrov"]),
        ("Zakharova has told reporters nothing.", ["Zakharova"]),
        ("Об этом заявил Лавров в Москве.", ["Лавров"]),
        ("Selon Zakharova, rien n’a changé.", ["Zakharova"]),
        ("The ministry said on Monday that it would reply.", []),
        ("Berlin and Paris met on Monday.", []),
    ],
)
def test_speakers_in_finds_the_name_next_to_a_word_of_speech(
    sentence: str, speakers: list[str]
) -> None:
    assert speakers_in(sentence) == speakers
