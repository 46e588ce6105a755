"""Make data/collapse_runs.csv: the summaries of lesson 08's collapse simulations that its explorer shows.

    .venv/bin/python tools/make_collapse_runs.py          # write the file
    .venv/bin/python tools/make_collapse_runs.py --check  # recompute; exit 1 if it differs

The collapse explorer re-reads 14 Gaussian simulations (7 sample sizes x
replace/accumulate, 200 runs each, seed 21) and 8 word-model simulations of
data/course_text_harbour.txt (4 sizes x 2 modes, 20 runs each, seed 22), 100
generations each. Making them costs about 1.7 s of CPU on every run of the
lesson and gives the same numbers every time, so the explorer reads what it
shows from this file: per generation, the 5th/50th/95th percentile of the
fitted variance, and the median/min/max number of words alive and the median
entropy. The file is exactly

    lesson08.collapse_runs_table(lesson08.collapse_runs(lesson08.course_word_counts()))

written with 17 significant digits, so it reads back bit for bit.
tests/test_explorers_late.py re-derives it (slow test). After writing it,
update its sha256 in data/registry.json (entry "collapse_runs").
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scalecheck.core import data  # noqa: E402
from scalecheck.ui.explorers import lesson08  # noqa: E402


def collapse_table() -> pd.DataFrame:
    """The table as the explorer would compute it live from the lesson's text."""
    return lesson08.collapse_runs_table(lesson08.collapse_runs(lesson08.course_word_counts()))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="recompute and compare with the stored file")
    args = parser.parse_args()
    table = collapse_table()
    path = data.data_dir() / f"{lesson08.COLLAPSE_ARTIFACT}.csv"
    if args.check:
        stored = pd.read_csv(path)
        labels = ["series", "size", "mode", "statistic"]
        same = stored[labels].equals(table[labels]) and np.allclose(
            stored.drop(columns=labels).to_numpy(), table.drop(columns=labels).to_numpy(), rtol=1e-12, atol=0)
        print(f"{path}: {'matches' if same else 'DIFFERS from'} a fresh computation")
        return 0 if same else 1
    table.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")
    print(f"wrote {path} ({len(table)} rows); now update its sha256 in data/registry.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
