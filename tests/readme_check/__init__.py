"""Runs the example commands of README.md and docs/*.md and compares what they print.

The convention, for whoever writes the documentation:

- A checked example is a fenced block opened by ```` ```console ````. In it, a line starting
  with ``$ `` is a command (a trailing ``\\`` continues it on the next line); the lines after
  it, up to the next ``$ `` or the end of the block, are what it prints: standard output and
  standard error together, as a terminal shows them. Other fences (```` ```sh ````,
  ```` ```text ````) are not run.
- Each block runs in a work folder of its own: a copy of the repository's ``seeds/`` (with
  ``seeds/.eval/``) and, unless said otherwise, an index of them built with the configured
  real model at ``var/index``. The commands run there, one after the other, with the project's
  environment variables unset (the block sets any it needs, ``NAME=value command``).
- An HTML comment on the line before the fence picks another start:
  ``<!-- readme-check: fresh -->`` (no index yet); see ``setups.SETUPS`` for the others.
- Before comparing, ``normalise`` replaces what changes from run to run by ``…`` in the
  documentation and in the output alike: date-times of a build or a verdict, durations and
  rates (``1.7 s``, ``23.1 ms``, ``7.0 passages/s``, ``3 s ago``) and the work folder's path.
  The documentation may so show the figures of one real run; they are not compared.

``python -m tests.readme_check`` runs every block through the real console scripts in a shell
(``make readme-check``); ``--update`` writes what they print now into the blocks that differ;
``--fast`` runs the commands in this process with one loaded model (``tests/test_readme.py``).
"""

from tests.readme_check.blocks import Example, Step, find_examples, normalise, rewrite
from tests.readme_check.runners import InProcessRunner, Runner, SubprocessRunner
from tests.readme_check.setups import SETUPS, Outcome, check_example, prepare_template

__all__ = [
    "SETUPS",
    "Example",
    "InProcessRunner",
    "Outcome",
    "Runner",
    "Step",
    "SubprocessRunner",
    "check_example",
    "find_examples",
    "normalise",
    "prepare_template",
    "rewrite",
]
