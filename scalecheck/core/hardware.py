"""Accelerator specs by number format, and cluster arithmetic.

Defined in lesson 01 (orders of magnitude). Peak throughput depends on the
number format: a chip's "4 PFLOP/s" may be FP8 with 2:4 structured sparsity,
while training runs are measured against dense BF16. Every function here
takes the format explicitly, so the choice is always visible.
"""
from __future__ import annotations

import functools
import math
from collections.abc import Iterable

import pandas as pd

from scalecheck.core import data
from scalecheck.core.uncertainty import Z90

# Number formats the spec table covers, as (precision, sparsity)
NUMBER_FORMATS = ("bf16_dense", "bf16_sparse", "fp8_dense", "fp8_sparse", "fp4_dense", "fp4_sparse")
FORMAT_LABELS = {
    "bf16_dense": "BF16 dense", "bf16_sparse": "BF16 sparse",
    "fp8_dense": "FP8 dense", "fp8_sparse": "FP8 sparse",
    "fp4_dense": "FP4 dense", "fp4_sparse": "FP4 sparse",
}
TFLOP = 1e12


def gpu_specs() -> pd.DataFrame:
    """The course's GPU table (data/gpu_specs.csv), one row per GPU, with
    peak throughput converted to FLOP/s columns named ``<format>_flop_per_s``
    and board power as ``tdp_w``. Read (and hash-checked) once per session;
    each call returns a fresh copy, so callers may modify it."""
    return _gpu_specs_once(str(data.data_dir())).copy()


@functools.lru_cache(maxsize=4)
def _gpu_specs_once(_data_dir: str) -> pd.DataFrame:
    table = data.load("gpu_specs")
    for number_format in NUMBER_FORMATS:
        table[f"{number_format}_flop_per_s"] = table[f"{number_format}_tflops"] * TFLOP
    table = table.rename(columns={"tdp_watts": "tdp_w"})
    return table.set_index("gpu")


def short_name(gpu: str) -> str:
    """'H100 80GB' -> 'H100' (the first word of the table's name)."""
    return gpu.split()[0]


def peak_flop_per_s(gpu: str, number_format: str, specs: pd.DataFrame | None = None) -> float:
    """Peak FLOP/s of one GPU in one number format; NaN if it has no such mode.

    ``gpu`` may be the table's full name or its first word (``"H100"``).
    """
    if number_format not in NUMBER_FORMATS:
        raise ValueError(f"number_format must be one of {NUMBER_FORMATS}, got {number_format!r}")
    specs = gpu_specs() if specs is None else specs
    matches = [name for name in specs.index if name == gpu or short_name(name) == gpu]
    if not matches:
        raise KeyError(f"no GPU {gpu!r} in the table; known: {', '.join(specs.index)}")
    return float(specs.loc[matches[0], f"{number_format}_flop_per_s"])


def cluster_peak_flop_per_s(n_gpus: float, flop_per_s_per_gpu: float) -> float:
    """Peak FLOP/s of a cluster: chips times per-chip peak (no losses)."""
    if n_gpus < 0 or flop_per_s_per_gpu < 0:
        raise ValueError("GPU count and per-GPU throughput must be non-negative")
    return n_gpus * flop_per_s_per_gpu


def achieved_flop_per_s(peak_flop_per_s_value: float, mfu: float) -> float:
    """Achieved FLOP/s at a model-FLOP utilisation ``mfu`` (a fraction, 0-1)."""
    if not 0 <= mfu <= 1:
        raise ValueError(f"MFU is a fraction between 0 and 1, got {mfu}")
    return peak_flop_per_s_value * mfu


def compute_flop(flop_per_s: float, seconds: float) -> float:
    """Work done (FLOP) by a machine running at ``flop_per_s`` for ``seconds``."""
    return flop_per_s * seconds


def energy_wh(power_w: float, hours: float) -> float:
    """Energy in watt-hours used at a constant ``power_w`` for ``hours``."""
    return power_w * hours


def format_inflation(gpu: str, quoted_format: str, fair_format: str = "bf16_dense",
                     specs: pd.DataFrame | None = None) -> float:
    """How many times a quoted peak exceeds the fair one (e.g. FP8 sparse vs BF16 dense)."""
    return peak_flop_per_s(gpu, quoted_format, specs) / peak_flop_per_s(gpu, fair_format, specs)


def range_product(ranges: Iterable[tuple[float, float]]) -> tuple[float, float]:
    """Multiply ranges the pessimistic way: all lows together, all highs together."""
    low, high = 1.0, 1.0
    for a, b in ranges:
        if a <= 0 or b <= 0 or a > b:
            raise ValueError(f"each range must be 0 < low <= high, got ({a}, {b})")
        low, high = low * a, high * b
    return low, high


def lognormal_product_interval(ranges: Iterable[tuple[float, float]]) -> tuple[float, float, float]:
    """Multiply ranges read as 90% intervals of independent log-normal factors.

    Returns (low, median, high) of the product's 90% interval. Logs add, and
    independent spreads add in quadrature, so the product's interval is
    narrower than :func:`range_product`'s all-lows-to-all-highs bound.
    """
    z90 = Z90
    centre, variance = 0.0, 0.0
    for a, b in ranges:
        if a <= 0 or b <= 0 or a > b:
            raise ValueError(f"each range must be 0 < low <= high, got ({a}, {b})")
        log_a, log_b = math.log(a), math.log(b)
        centre += (log_a + log_b) / 2
        variance += ((log_b - log_a) / (2 * z90)) ** 2
    spread = z90 * math.sqrt(variance)
    return math.exp(centre - spread), math.exp(centre), math.exp(centre + spread)
