from __future__ import annotations

from datetime import date

import pytest

from index.articles.dates import DateRange, article_range, dates_in_text, question_time

NEWEST = date(2018, 5, 26)  # the newest seed article, a Saturday


@pytest.mark.parametrize(
    ("question", "start", "end"),
    [
        ("What happened in May 2018?", date(2018, 5, 1), date(2018, 5, 31)),
        ("Que s'est-il passé en décembre 2017 ?", date(2017, 12, 1), date(2017, 12, 31)),
        ("What did Lavrov say on 22 December 2017?", date(2017, 12, 22), date(2017, 12, 22)),
        ("Qu'a dit Lavrov le 22 décembre 2017 ?", date(2017, 12, 22), date(2017, 12, 22)),
        ("What was said on May 23, 2018?", date(2018, 5, 23), date(2018, 5, 23)),
        ("Cyber attacks in 2015?", date(2015, 1, 1), date(2015, 12, 31)),
        ("What happened in December?", date(2017, 12, 1), date(2017, 12, 31)),
        ("Quoi de neuf en mai ?", date(2018, 5, 1), date(2018, 5, 31)),
        ("What happened last week?", date(2018, 5, 14), date(2018, 5, 20)),
        ("Qu'est-ce qui s'est passé la semaine dernière ?", date(2018, 5, 14), date(2018, 5, 20)),
        ("What has been said since Monday?", date(2018, 5, 21), NEWEST),
        ("Qu'a-t-on dit depuis lundi ?", date(2018, 5, 21), NEWEST),
        ("News since December 2017", date(2017, 12, 1), NEWEST),
        ("Avant 2018, qui parlait de cybersécurité ?", date(1900, 1, 1), date(2017, 12, 31)),
        ("What happened in the last 10 days?", date(2018, 5, 17), NEWEST),
        ("Qu'a dit Moscou ces trois derniers jours ?", date(2018, 5, 24), NEWEST),
        ("What happened last month?", date(2018, 4, 1), date(2018, 4, 30)),
        ("Qu'a dit Londres hier ?", date(2018, 5, 25), date(2018, 5, 25)),
    ],
)
def test_time_phrases_in_english_and_french(question: str, start: date, end: date) -> None:
    found = question_time(question, NEWEST).range
    assert found is not None, question
    assert (found.start, found.end) == (start, end)
    assert found.phrase and found.phrase in question


@pytest.mark.parametrize(
    "question",
    ["What did Lavrov say?", "What may happen to the talks?", "Qui a parlé de 300 sites ?"],
)
def test_questions_without_time_have_no_range(question: str) -> None:
    assert question_time(question, NEWEST).range is None


@pytest.mark.parametrize(
    ("question", "latest"),
    [
        ("What is the latest on Lavrov?", True),
        ("Que dit Moscou actuellement ?", True),
        ("What is Berlin doing now?", True),
        ("What did Lavrov say?", False),
        ("What happened last week?", False),  # a range, not "the latest"
    ],
)
def test_questions_asking_for_the_latest(question: str, latest: bool) -> None:
    assert question_time(question, NEWEST).latest is latest


def test_dates_written_in_passages() -> None:
    text = (
        "annoncée par Sergueï Lavrov le 22 décembre 2017, à Moscou; le 23 mai lors de la "
        "conférence; the alleged in 2015 cyber-attacks; 300 sites"
    )
    found = [(r.start, r.end) for r in dates_in_text(text, reference=NEWEST)]
    assert found == [
        (date(2017, 12, 22), date(2017, 12, 22)),
        (date(2018, 5, 23), date(2018, 5, 23)),
        (date(2015, 1, 1), date(2015, 12, 31)),
    ]
    assert len(dates_in_text(text)) == 2, "a yearless date needs the article's date"


def test_article_dates_as_ranges() -> None:
    assert article_range("2018-05-26") == DateRange(
        date(2018, 5, 26), date(2018, 5, 26), "2018-05-26"
    )
    may = article_range("2018-05")
    assert may is not None and (may.start, may.end) == (date(2018, 5, 1), date(2018, 5, 31))
    assert article_range("--05-26") is None and article_range(None) is None
