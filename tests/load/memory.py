"""Memory of the bot process at checkpoints of a long run, and whether it keeps growing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

# Growth from the second checkpoint to the last that still counts as flat. A leak of 100 bytes
# or of one object per question shows above these over 7,500 questions.
FLAT_TRACED_KB = 512
FLAT_OBJECTS = 2000


@dataclass(frozen=True, slots=True)
class MemoryPoint:
    """The bot process after ``answered`` questions."""

    answered: int
    rss_kb: int
    hwm_kb: int
    objects: int  # gc.get_objects() after gc.collect()
    traced_kb: int  # Python allocations live (tracemalloc); 0 when not tracing
    remembered: int  # BotData.results, bounded at 1000
    batches: int  # QueryBatcher.batch_sizes, one entry per batch embedded
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
    """(A sentence, whether memory keeps growing), from the second checkpoint to the last.

    The first checkpoint is left out: the bot's own caches (the 1,000 answers remembered for
    their "More" buttons) are still filling then. Judged on Python's traced allocations and
    live objects, which do not move with the allocator's arenas as RSS does.
    """
    if len(points) < 3:
        return "too few checkpoints to judge", False
    base, last = points[1], points[-1]
    span = max(1, last.answered - base.answered) / 1000
    traced = last.traced_kb - base.traced_kb
    objects = last.objects - base.objects
    rss = (last.rss_kb - base.rss_kb) / 1024
    growing = traced > FLAT_TRACED_KB or objects > FLAT_OBJECTS
    measured = (
        f"from {base.answered} to {last.answered} answered: traced {traced:+d} KB "
        f"({traced / span:+.1f} KB per 1,000), objects {objects:+d} ({objects / span:+.0f} per "
        f"1,000), RSS {rss:+.1f} MB"
    )
    if growing:
        return f"memory keeps growing ({measured})", True
    return (
        f"memory does not keep growing ({measured}; flat means under {FLAT_TRACED_KB} KB and "
        f"{FLAT_OBJECTS} objects)",
        False,
    )
