"""Memory of the bot process at checkpoints of a long run, and whether it keeps growing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Growth per 1,000 questions, after the caches are full, that still counts as flat: a leak of
# one object per question (1,000 objects and at least 56 KB per 1,000) is well above both.
FLAT_TRACED_KB = 64
FLAT_OBJECTS = 200
WARM_AFTER = 2000  # answers: the bot remembers the last 1,000 for their "More" buttons


@dataclass(frozen=True, slots=True)
class MemoryPoint:
    """The bot process after ``answered`` questions."""

    answered: int
    rss_kb: int
    hwm_kb: int
    objects: int  # gc.get_objects() after gc.collect()
    traced_kb: int  # Python allocations live (tracemalloc); 0 when not tracing
    remembered: int  # BotData.results, bounded at 1000
    batches: int  # QueryBatcher.batches, the batches embedded so far
    tasks: int  # asyncio tasks alive

    @classmethod
    def of(cls, answered: int, stats: dict[str, Any]) -> MemoryPoint:
        """From the stats the bot process writes (``tests.load.botprocess.memory_stats``)."""
        return cls(
            answered,
            int(stats["vm_rss_kb"]),
            int(stats["vm_hwm_kb"]),
            int(stats["gc_objects"]),
            int(stats["traced_kb"]),
            int(stats["remembered"]),
            int(stats["batches"]),
            int(stats["tasks"]),
        )


def memory_table(points: Sequence[MemoryPoint]) -> str:
    """One line per checkpoint."""
    lines = ["  answered  VmRSS MB  VmHWM MB  gc objects  traced MB  remembered  batches  tasks"]
    lines += [
        f"  {p.answered:>8}  {p.rss_kb / 1024:>8.1f}  {p.hwm_kb / 1024:>8.1f}  {p.objects:>10}  "
        f"{p.traced_kb / 1024:>9.2f}  {p.remembered:>10}  {p.batches:>7}  {p.tasks:>5}"
        for p in points
    ]
    return "\n".join(lines)


def memory_verdict(points: Sequence[MemoryPoint]) -> tuple[str, bool]:
    """(A sentence, whether memory keeps growing), from the first checkpoint after
    ``WARM_AFTER`` answers to the last.

    Checkpoints before are left out: the bot's own caches are still filling then. Judged on
    Python's traced allocations and live objects, which do not move with the allocator's arenas
    as RSS does.
    """
    warm = [point for point in points if point.answered >= WARM_AFTER]
    if len(warm) < 2:
        return f"too few checkpoints after the first {WARM_AFTER} answers to judge", False
    base, last = warm[0], warm[-1]
    per_1000 = 1000 / (last.answered - base.answered)
    traced = (last.traced_kb - base.traced_kb) * per_1000
    objects = (last.objects - base.objects) * per_1000
    rss = (last.rss_kb - base.rss_kb) / 1024
    growing = traced > FLAT_TRACED_KB or objects > FLAT_OBJECTS
    measured = (
        f"from {base.answered} to {last.answered} answered, per 1,000 questions: traced "
        f"{traced:+.1f} KB, objects {objects:+.0f}; RSS {rss:+.1f} MB in all"
    )
    if growing:
        return f"memory keeps growing ({measured})", True
    return (
        f"memory does not keep growing ({measured}; flat means under {FLAT_TRACED_KB} KB and "
        f"{FLAT_OBJECTS} objects per 1,000)",
        False,
    )
