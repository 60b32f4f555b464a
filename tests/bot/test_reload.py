"""A new index that does not load never costs the answers: the real bot keeps serving its last
good index, logs why once, and says why in /about and /reindex; a damaged index at start-up is a
one-line error."""

from __future__ import annotations

import contextlib
import html
import logging
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from index import service as service_module
from index.build import build_index
from index.config import IndexSettings
from index.store.folder import load_index
from index.store.staging import build_lock
from tests.support.botapi import BotApiServer
from tests.support.fakes import FakeEmbedder
from tests.support.harness import ADMIN, USER, reply_to, start_bot, stop_bot, wait_for

NEW_ARTICLE = "Breaking news\n\nThe Kremlin said talks on NotPetya would resume.\n"


def _damage(index_dir: Path) -> None:
    """Cuts the passage vectors in half, as a disk that lost the end of a write would."""
    vectors = index_dir / "passages.faiss"
    vectors.write_bytes(vectors.read_bytes()[: vectors.stat().st_size // 2])


def _load_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [
        r
        for r in caplog.records
        if r.name == "index.service" and r.levelno >= logging.ERROR and "not loaded" in r.msg
    ]


async def _reindex(server: Any) -> str:
    """Sends /reindex as the admin; the text of the reply after "Rebuilding…"."""
    before = len(server.calls("sendMessage"))
    server.push_message(ADMIN, "/reindex", user_id=ADMIN)
    replies = await wait_for(server, "sendMessage", count=before + 2, timeout=30)
    assert "Rebuilding" in replies[before].params["text"]
    return str(replies[before + 1].params["text"])


@pytest.mark.asyncio
async def test_a_damaged_index_built_beside_the_bot_is_refused_once_and_explained(
    server: Any, bot: Any, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    built_at = load_index(index_settings.index_dir).manifest.built_at
    (index_settings.seeds_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(index_settings.seeds_dir, index_settings.index_dir, FakeEmbedder())
    _damage(index_settings.index_dir)
    with caplog.at_level(logging.ERROR, logger="index.service"):
        for _ in range(3):
            answer = await reply_to(server, USER, "What did Zakharova say?", user_id=USER)
            assert "Zakharova said" in answer.params["text"]
        sources = await reply_to(server, USER, "/sources", user_id=USER)
    assert "Articles in the briefing</b> (2)" in sources.params["text"]
    (logged,) = _load_errors(caplog)  # once for this build, not once per question
    assert "damaged" in logged.getMessage() and built_at in logged.getMessage()
    admin_about = (await reply_to(server, ADMIN, "/about", user_id=ADMIN)).params["text"]
    assert f"<b>Built</b> {built_at}" in admin_about
    assert "<b>Not loaded</b> the newer index on disk: index at" in admin_about
    assert "is damaged (not a FAISS index" in admin_about
    assert "briefing-index build --full" in admin_about
    user_about = (await reply_to(server, USER, "/about", user_id=USER)).params["text"]
    assert "a newer index could not be loaded; answers come from this one" in user_about
    assert str(index_settings.index_dir) not in user_about
    done = await _reindex(server)  # the admin's way out: rebuild from the articles
    assert done.startswith("Done: 3 articles")
    assert (
        "Not loaded" not in (await reply_to(server, ADMIN, "/about", user_id=ADMIN)).params["text"]
    )
    sources = await reply_to(server, USER, "/sources", user_id=USER)
    assert "Articles in the briefing</b> (3)" in sources.params["text"]


@pytest.mark.asyncio
async def test_an_index_of_another_model_beside_the_bot_is_refused_and_named(
    server: Any, bot: Any, index_settings: IndexSettings, caplog: pytest.LogCaptureFixture
) -> None:
    other = FakeEmbedder(dimension=32, name="other-model")
    build_index(index_settings.seeds_dir, index_settings.index_dir, other, full=True)
    with caplog.at_level(logging.ERROR, logger="index.service"):
        answer = await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
        about = html.unescape(
            (await reply_to(server, ADMIN, "/about", user_id=ADMIN)).params["text"]
        )
    assert "Lavrov" in answer.params["text"]
    assert "<b>Model</b> fake-hashing-256" in about
    assert "was built with model 'other-model'" in about and "EMBEDDING_MODEL=other-model" in about
    assert len(_load_errors(caplog)) == 1


@pytest.mark.asyncio
async def test_reindex_says_when_the_index_it_built_does_not_load(
    server: Any,
    bot: Any,
    index_settings: IndexSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    built_at = load_index(index_settings.index_dir).manifest.built_at
    real_build = service_module.build_index

    def build_then_lose_half(*args: Any, **kwargs: Any) -> Any:
        report = real_build(*args, **kwargs)
        _damage(index_settings.index_dir)
        return report

    monkeypatch.setattr(service_module, "build_index", build_then_lose_half)
    (index_settings.seeds_dir / "new.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    reply = await _reindex(server)
    assert reply.startswith("The new index could not be loaded (index at")
    assert "is damaged (not a FAISS index" in reply
    assert reply.endswith(f"still answering from the index built at {built_at}.")
    answer = await reply_to(server, USER, "What did Zakharova say?", user_id=USER)
    assert "Zakharova said" in answer.params["text"]
    monkeypatch.setattr(service_module, "build_index", real_build)
    assert (await _reindex(server)).startswith("Done: 3 articles")


@pytest.mark.asyncio
async def test_reindex_while_another_build_runs_keeps_the_index_and_says_so(
    server: Any, bot: Any, index_settings: IndexSettings
) -> None:
    built_at = load_index(index_settings.index_dir).manifest.built_at
    with build_lock(index_settings.index_dir):  # as a `briefing-index build` beside the bot
        reply = await _reindex(server)
    assert reply == (
        f"The rebuild failed: another build of {index_settings.index_dir} is running: wait for "
        f"it to finish. Still answering from the index built at {built_at}."
    )
    answer = await reply_to(server, USER, "What did Lavrov say?", user_id=USER)
    assert "Lavrov" in answer.params["text"]


def test_the_bot_refuses_a_damaged_index_at_start_up_on_one_line(
    index_settings: IndexSettings,
) -> None:
    _damage(index_settings.index_dir)
    token = "987654321:AAFzyxwvutsrqponmlkjihgfedcba9876543"
    script = Path(sys.executable).with_name("briefing-bot")
    with BotApiServer(token=token) as server:
        result = subprocess.run(
            [str(script)],
            env={
                **os.environ,
                "TELEGRAM_BOT_TOKEN": token,
                "TELEGRAM_API_BASE_URL": server.base_url,
                "BRIEFING_INDEX_DIR": str(index_settings.index_dir),
                # Not a model that loads: the index is checked first, before the model's seconds.
                "EMBEDDING_MODEL": "fake-hashing-256",
            },
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"briefing-bot: error: index at {index_settings.index_dir} is damaged")
    assert "briefing-index build --full" in line


@pytest.mark.asyncio
async def test_reindex_on_a_full_disk_keeps_the_index_and_says_what_to_do(
    server: Any, index_settings: IndexSettings, small_disk: Path
) -> None:
    settings = replace(index_settings, index_dir=small_disk / "index")
    build_index(settings.seeds_dir, settings.index_dir, FakeEmbedder())
    built_at = load_index(settings.index_dir).manifest.built_at
    for number in range(40):  # some 600 KB of vectors
        body = "\n\n".join(f"Officials in Berlin spoke about case {number}-{p}." for p in range(8))
        (settings.seeds_dir / f"extra-{number}.txt").write_text(f"Wire\n\n{body}\n", "utf-8")
    with (small_disk / "filler").open("wb", buffering=0) as filler, contextlib.suppress(OSError):
        while True:  # until the disk is full
            filler.write(b"\xff" * 4096)
    application = await start_bot(server, settings)
    try:
        reply = await _reindex(server)
        assert reply.startswith(
            f"The rebuild failed: cannot write the index at {settings.index_dir}"
        )
        assert "the disk is full (No space left on device" in reply and "free some space" in reply
        assert reply.endswith(f"Still answering from the index built at {built_at}.")
        assert not [p for p in small_disk.iterdir() if ".building-" in p.name]
        answer = await reply_to(server, USER, "What did Zakharova say?", user_id=USER)
        assert "Zakharova said" in answer.params["text"]
        (small_disk / "filler").unlink()
        assert (await _reindex(server)).startswith("Done: 42 articles")
    finally:
        await stop_bot(application)
