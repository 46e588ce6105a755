"""What a training run costs: FLOP, GPU-hours, dollars and energy.

Defined in lesson 03. Two independent ways to count a run's compute:

- from the model: C ~ 6 N D (N parameters, D training tokens; Kaplan et al.
  2020, section 2.1), see :func:`training_flop_6nd`;
- from the hardware: GPUs x peak FLOP/s x MFU x seconds, see :func:`run_flop`.

When both are known they should agree; when only the hardware is known (most
frontier runs) the second is the estimate. Every function is pure and accepts
numpy arrays of samples, so a Monte Carlo is the same call as a point
estimate. Range-to-sample helpers come from :mod:`scalecheck.core.uncertainty`
(introduced in lesson 02), input checks from :mod:`scalecheck.core.arrays`, and
peak FLOP/s by number format from :mod:`scalecheck.core.hardware`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalecheck.core import data, hardware, units
from scalecheck.core.arrays import non_negative_array, positive_array
from scalecheck.core.uncertainty import lognormal_from_range

#: Forward pass ~2 FLOP per parameter per token, backward ~4 (Kaplan et al. 2020)
FLOP_PER_PARAM_PER_TOKEN = 6.0


def _fraction(name: str, value) -> None:
    array = np.asarray(value, dtype=float)
    if np.any((array <= 0) | (array > 1)):
        raise ValueError(f"{name} is a fraction in (0, 1], got {value}")


# ---------------------------------------------------------------------------
# Compute


def training_flop_6nd(params, tokens):
    """Training compute of a dense transformer: ~6 FLOP per parameter per token.

    GPT-3: 6 x 175e9 x 300e9 = 3.15e23 FLOP (Brown et al. 2020 report 3.14e23).
    """
    non_negative_array(params, "params")
    non_negative_array(tokens, "tokens")
    return FLOP_PER_PARAM_PER_TOKEN * params * tokens


def run_flop(n_gpus, peak_flop_per_s_per_gpu, mfu, days):
    """Compute done by a run: GPUs x per-GPU peak x MFU x duration (in days)."""
    non_negative_array(n_gpus, "n_gpus")
    non_negative_array(peak_flop_per_s_per_gpu, "peak_flop_per_s_per_gpu")
    non_negative_array(days, "days")
    _fraction("mfu", mfu)
    return n_gpus * peak_flop_per_s_per_gpu * mfu * days * units.SECONDS_PER_DAY


def days_for_flop(flop, n_gpus, peak_flop_per_s_per_gpu, mfu):
    """Days a cluster needs to do ``flop`` at a given MFU (the inverse of :func:`run_flop`)."""
    non_negative_array(flop, "flop")
    positive_array(n_gpus, "n_gpus")
    positive_array(peak_flop_per_s_per_gpu, "peak_flop_per_s_per_gpu")
    _fraction("mfu", mfu)
    return flop / (n_gpus * peak_flop_per_s_per_gpu * mfu * units.SECONDS_PER_DAY)


def implied_mfu(flop, n_gpus, peak_flop_per_s_per_gpu, days):
    """The MFU a run must have had to do ``flop`` on this hardware in ``days``.

    Above 1 means the stated compute is impossible on that hardware and time
    (or the peak is in the wrong number format).
    """
    non_negative_array(flop, "flop")
    positive_array(n_gpus, "n_gpus")
    positive_array(peak_flop_per_s_per_gpu, "peak_flop_per_s_per_gpu")
    positive_array(days, "days")
    return flop / (n_gpus * peak_flop_per_s_per_gpu * days * units.SECONDS_PER_DAY)


def gpu_hours(n_gpus, days):
    """GPU-hours of a run: GPUs x days x 24."""
    non_negative_array(n_gpus, "n_gpus")
    non_negative_array(days, "days")
    return n_gpus * days * 24.0


# ---------------------------------------------------------------------------
# Money and energy


def rental_cost_usd(gpu_hours_value, usd_per_gpu_hour):
    """What a run costs on rented GPUs: GPU-hours x price per GPU-hour."""
    non_negative_array(gpu_hours_value, "gpu_hours_value")
    non_negative_array(usd_per_gpu_hour, "usd_per_gpu_hour")
    return gpu_hours_value * usd_per_gpu_hour


@dataclass(frozen=True)
class OwnershipCost:
    """The cost of a run on owned hardware: the capex it uses up plus its electricity."""

    capex_usd: float
    energy_usd: float

    @property
    def total_usd(self) -> float:
        return self.capex_usd + self.energy_usd


def ownership_cost_usd(gpu_hours_value, capex_usd_per_gpu, life_years, all_in_w_per_gpu, usd_per_kwh) -> OwnershipCost:
    """Cost of a run on owned GPUs: straight-line amortised capex plus energy.

    Each GPU-hour uses up ``capex_usd_per_gpu / (life_years x 8,766 h)`` of
    the hardware and ``all_in_w_per_gpu`` for one hour of electricity. (Epoch
    AI's amortised costs follow the same logic with their own depreciation
    model; Cottier et al. 2024, arXiv:2405.21015.)
    """
    non_negative_array(gpu_hours_value, "gpu_hours_value")
    non_negative_array(capex_usd_per_gpu, "capex_usd_per_gpu")
    non_negative_array(all_in_w_per_gpu, "all_in_w_per_gpu")
    non_negative_array(usd_per_kwh, "usd_per_kwh")
    positive_array(life_years, "life_years")
    capex = gpu_hours_value * capex_usd_per_gpu / (life_years * units.HOURS_PER_YEAR)
    energy = run_energy_wh(gpu_hours_value, all_in_w_per_gpu) / 1e3 * usd_per_kwh
    return OwnershipCost(capex_usd=capex, energy_usd=energy)


def break_even_usd_per_gpu_hour(capex_usd_per_gpu, life_years, all_in_w_per_gpu, usd_per_kwh):
    """The rental price at which renting costs the same as owning (per GPU-hour)."""
    return ownership_cost_usd(1.0, capex_usd_per_gpu, life_years, all_in_w_per_gpu, usd_per_kwh).total_usd


def run_energy_wh(gpu_hours_value, all_in_w_per_gpu):
    """Energy of a run: GPU-hours x all-in watts per GPU (GPU, host, network, cooling)."""
    non_negative_array(gpu_hours_value, "gpu_hours_value")
    non_negative_array(all_in_w_per_gpu, "all_in_w_per_gpu")
    return gpu_hours_value * all_in_w_per_gpu


# ---------------------------------------------------------------------------
# Comparing clusters


def cluster_ratio(n_a, peak_a_flop_per_s, n_b, peak_b_flop_per_s):
    """How many times cluster A's peak exceeds cluster B's."""
    positive_array(n_b, "n_b")
    positive_array(peak_b_flop_per_s, "peak_b_flop_per_s")
    non_negative_array(n_a, "n_a")
    non_negative_array(peak_a_flop_per_s, "peak_a_flop_per_s")
    return (n_a * peak_a_flop_per_s) / (n_b * peak_b_flop_per_s)


def cluster_ratio_table(n_a: float, gpu_a: str, n_b: float, gpu_b: str,
                        formats_a: Iterable[str] = hardware.NUMBER_FORMATS,
                        formats_b: Iterable[str] = ("bf16_dense", "bf16_sparse"),
                        specs: pd.DataFrame | None = None) -> pd.DataFrame:
    """Cluster A / cluster B peak ratio for every pairing of number formats.

    Rows are A's format, columns B's format; NaN where a chip lacks a format.
    """
    specs = hardware.gpu_specs() if specs is None else specs
    formats_b = list(formats_b)
    rows = {}
    for format_a in formats_a:
        peak_a = hardware.peak_flop_per_s(gpu_a, format_a, specs)
        rows[hardware.FORMAT_LABELS[format_a]] = {
            hardware.FORMAT_LABELS[format_b]: (n_a * peak_a) / (n_b * hardware.peak_flop_per_s(gpu_b, format_b, specs))
            for format_b in formats_b
        }
    return pd.DataFrame(rows).T


# ---------------------------------------------------------------------------
# Uncertainty


def run_flop_samples(z, n_gpus, peak_flop_per_s_per_gpu, mfu_range, days_range):
    """Monte Carlo samples of a run's FLOP from 90% ranges of MFU and duration.

    ``z`` holds standard-normal draws of shape (2, n_samples): row 0 drives
    MFU, row 1 the duration. Inputs are independent log-normals whose 5th
    and 95th percentiles are the given ranges (MFU samples are capped at 1).
    """
    z = np.asarray(z, dtype=float)
    if z.ndim != 2 or z.shape[0] < 2:
        raise ValueError("z must have shape (2, n_samples): one row for MFU, one for days")
    mfu = np.minimum(lognormal_from_range(z[0], *mfu_range), 1.0)
    days = lognormal_from_range(z[1], *days_range)
    return run_flop(n_gpus, peak_flop_per_s_per_gpu, mfu, days)


# ---------------------------------------------------------------------------
# Published estimates


_EPOCH_COLUMNS = {
    "Model": "model",
    "Publication date": "published",
    "Training compute (FLOP)": "flop",
    "Training hardware": "hardware",
    "Hardware quantity": "n_gpus",
    "Training time (hours)": "hours",
    "Hardware utilization (MFU)": "mfu",
    "Training chip-hours": "chip_hours",
    "Training power draw (W)": "power_w",
    "Confidence": "confidence",
    "Training compute estimation method": "method",
}


def published_runs(models: Iterable[str] | None = None) -> pd.DataFrame:
    """Epoch AI's figures for training runs, joined with Epoch's cost estimates.

    One row per model (indexed by Epoch's model name) with ``flop``,
    ``hardware``, ``n_gpus``, ``hours``, ``mfu``, ``power_w``, ``confidence``,
    ``method`` (from the notable-models table) and ``cloud_cost_usd``,
    ``acquisition_cost_usd``, ``amortised_cost_usd`` (from model_costs.csv).
    """
    table = data.load("epoch_notable_models")[list(_EPOCH_COLUMNS)].rename(columns=_EPOCH_COLUMNS)
    costs = data.load("epoch_model_costs").rename(columns={
        "Model": "model", "Cloud_Cost": "cloud_cost_usd",
        "Hardware_Acquisition_Cost": "acquisition_cost_usd",
        "Hardware_Capex_Energy_Cost": "amortised_cost_usd"})
    table = table.merge(costs, on="model", how="left").set_index("model")
    if models is not None:
        wanted = list(models)
        missing = [m for m in wanted if m not in table.index]
        if missing:
            raise KeyError(f"not in Epoch's table: {', '.join(missing)}")
        table = table.loc[wanted]
    return table
