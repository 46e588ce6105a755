"""The compute roadmap from source 002, recomputed in one number format.

Defined in lesson 01. In his 2024 Next Big Future talk (source 002, lines
11-17) Brian Wang lays out cluster sizes from 20k H100 to 1M "Rubin" chips,
quoting each chip's throughput in a different number format. This module
keeps the steps as stated and recomputes them in a format of the learner's
choosing, so the format drift becomes visible.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from scalecheck.core import hardware

# Blackwell's ratio of FP4-sparse to BF16-dense peak (GB200: 20 PF / 2.5 PF).
# Used ONLY for the Rubin steps, whose BF16 figure had not been published;
# the lesson labels the result as an assumption.
BLACKWELL_FP4_SPARSE_PER_BF16_DENSE = 8.0


@dataclass(frozen=True)
class RoadmapStep:
    """One step of the roadmap as the source states it."""

    label: str
    n_chips: float
    chip: str  # a row of data/gpu_specs.csv, or "Rubin" (not in the table)
    quoted_flop_per_s_per_chip: float
    quoted_format: str  # the format the quoted per-chip figure matches
    claimed_total_flop_per_s: float
    seed_line: int  # line of seeds/002_*.txt


PETA = 1e15
ROADMAP: tuple[RoadmapStep, ...] = (
    RoadmapStep("20k H100", 20_000, "H100", 4 * PETA, "fp8_sparse", 80e18, 12),
    RoadmapStep("100k H100", 100_000, "H100", 4 * PETA, "fp8_sparse", 400e18, 13),
    RoadmapStep("100k B200", 100_000, "GB200", 20 * PETA, "fp4_sparse", 2e21, 15),
    RoadmapStep("300k B200", 300_000, "GB200", 20 * PETA, "fp4_sparse", 6e21, 14),
    RoadmapStep("250k Rubin", 250_000, "Rubin", 100 * PETA, "fp4_sparse", 24e21, 17),
    RoadmapStep("1M Rubin", 1_000_000, "Rubin", 100 * PETA, "fp4_sparse", 100e21, 16),
)
FINAL_CLAIM_FLOP_PER_S = 80e24  # "80 YFLOP/s", line 17: a million times 80 EFLOP/s


def per_chip_flop_per_s(step: RoadmapStep, number_format: str, specs: pd.DataFrame | None = None) -> float:
    """Per-chip peak of a step's chip in ``number_format`` ("quoted" = as stated).

    For Rubin only the quoted FP4 figure exists; its BF16-dense value is
    derived with Blackwell's 8:1 ratio and other formats scale from that by
    the same factors as on GB200 (an assumption, flagged in the lesson).
    """
    if number_format == "quoted":
        return step.quoted_flop_per_s_per_chip
    if step.chip != "Rubin":
        return hardware.peak_flop_per_s(step.chip, number_format, specs)
    specs = hardware.gpu_specs() if specs is None else specs
    gb200_ratio = (hardware.peak_flop_per_s("GB200", number_format, specs)
                   / hardware.peak_flop_per_s("GB200", "fp4_sparse", specs))
    return step.quoted_flop_per_s_per_chip * gb200_ratio


def audit(number_format: str = "bf16_dense", mfu: float = 1.0) -> pd.DataFrame:
    """Every step's claimed total beside its total recomputed in one format.

    Columns: step, n_chips, claimed_flop_per_s, quoted_recomputed_flop_per_s
    (chips x quoted per-chip figure, the arithmetic check),
    recomputed_flop_per_s (in ``number_format``, times ``mfu``),
    claimed_over_recomputed.
    """
    specs = hardware.gpu_specs()
    rows = []
    for step in ROADMAP:
        per_chip = per_chip_flop_per_s(step, number_format, specs)
        recomputed = hardware.achieved_flop_per_s(hardware.cluster_peak_flop_per_s(step.n_chips, per_chip), mfu)
        rows.append({
            "step": step.label,
            "n_chips": step.n_chips,
            "claimed_flop_per_s": step.claimed_total_flop_per_s,
            "quoted_recomputed_flop_per_s": step.n_chips * step.quoted_flop_per_s_per_chip,
            "recomputed_flop_per_s": recomputed,
            "claimed_over_recomputed": step.claimed_total_flop_per_s / recomputed,
            "assumed": step.chip == "Rubin" and number_format not in ("quoted",),
        })
    return pd.DataFrame(rows)
