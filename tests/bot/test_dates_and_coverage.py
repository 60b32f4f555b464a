"""Issue 7 through the bot: a dated question, and the reply when the briefing has nothing."""

from __future__ import annotations

from typing import Any

import pytest

from index.pipeline import Pipeline
from index.service import BriefingService
from tests.support.botapi import BotApiServer
from tests.support.harness import USER, reply_to


@pytest.mark.asyncio
async def test_a_dated_question_cites_the_passage_of_that_date(
    server: BotApiServer, bot: Any
) -> None:
    call = await reply_to(server, USER, "Qu'a dit Lavrov en décembre 2017 ?", user_id=USER)
    text = call.params["text"]
    assert "22 décembre 2017" in text.split("[1]")[0], text


@pytest.mark.asyncio
async def test_not_covered_speaks_french_and_names_what_is_covered(
    server: BotApiServer, bot: Any
) -> None:
    service: BriefingService = bot.bot_data.service
    # The fake model has no calibrated threshold: give it one nothing reaches.
    serving = service._current.pipeline
    strict = Pipeline.over(serving.index, serving.embedder, threshold=0.99, quoted_threshold=0.99)
    service._current = type(service._current)(strict, service._current.stamp)
    call = await reply_to(server, USER, "Qui a gagné la Coupe du monde à Londres ?", user_id=USER)
    text = call.params["text"]
    assert "Le briefing ne semble pas traiter de cette question." in text, text
    assert "Il parle en revanche de" in text
