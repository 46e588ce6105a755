"""Make data/chinchilla_bootstrap_fits.csv: lesson 05's 100 bootstrap refits of the Chinchilla law.

    .venv/bin/python tools/make_chinchilla_bootstrap.py          # write the file
    .venv/bin/python tools/make_chinchilla_bootstrap.py --check  # recompute; exit 1 if it differs

Refitting the law on 100 resamples of the 240 Chinchilla runs takes most of
lesson 05's run time (about 5 s of its ~9 s), and it gives the same numbers on
every run: the resamples are seeded. So the lesson reads the refits from this
file, and says so. The file is exactly

    scaling.bootstrap_fits(kept N, kept D, kept loss, full_fit.params, n_resamples=100, seed=2024)

where ``kept`` are the runs of data/chinchilla_points.csv without the five
outliers and ``full_fit`` is the fit from the course's 32-start grid (the
lesson's own cell 14). Values are written with 17 significant digits, so they
read back bit for bit. tests/test_explorers_early.py re-derives the file. After
writing it, update its hash: ``.venv/bin/python tools/data_registry.py --update``.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from scalecheck.core import data  # noqa: E402
from scalecheck.models import scaling  # noqa: E402

NAME = "chinchilla_bootstrap_fits"
N_RESAMPLES, SEED = 100, 2024


def bootstrap_table() -> pd.DataFrame:
    """The refits as lesson 05 makes them: one row per resample, columns a, b, e, alpha, beta."""
    points = scaling.chinchilla_points(data.load("chinchilla_points"))
    kept = points[~points["outlier"]]
    full_fit = scaling.fit_loss_law(kept["n_params"], kept["n_tokens"], kept["loss"], starts=scaling.start_grid())
    params = scaling.bootstrap_fits(kept["n_params"], kept["n_tokens"], kept["loss"], full_fit.params,
                                    n_resamples=N_RESAMPLES, seed=SEED)
    table = pd.DataFrame(params, columns=list(scaling.FIT_PARAMETERS))
    table.insert(0, "resample", np.arange(N_RESAMPLES))
    return table


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="recompute and compare with the stored file")
    args = parser.parse_args()
    table = bootstrap_table()
    path = data.data_dir() / f"{NAME}.csv"
    if args.check:
        stored = pd.read_csv(path)
        same = np.allclose(stored[list(scaling.FIT_PARAMETERS)], table[list(scaling.FIT_PARAMETERS)], rtol=1e-6)
        print(f"{path}: {'matches' if same else 'DIFFERS from'} a fresh computation")
        return 0 if same else 1
    table.to_csv(path, index=False, float_format="%.17g", lineterminator="\n")
    print(f"wrote {path} ({len(table)} refits); now run tools/data_registry.py --update")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
