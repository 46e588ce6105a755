"""Lesson 03's explorer: a training run's FLOP, GPU-hours, cost and energy, with their uncertainty.

:func:`run_samples` and :func:`run_text` are pure (tested in
tests/test_explorers_early.py). :func:`training_run` wires them to sliders and
a histogram that redraws only its moving artists: the histogram is scaled to
its own peak, so the y axis never changes and the axes, ticks and labels are
drawn once.
"""
from __future__ import annotations

from typing import NamedTuple

import matplotlib
import numpy as np

from scalecheck.core import hardware, uncertainty, units
from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import training
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

CHIP_FORMATS = {"H100, dense BF16": ("H100", "bf16_dense"), "H100, dense FP8": ("H100", "fp8_dense"),
                "A100, dense BF16": ("A100 40GB", "bf16_dense"), "GB200, dense BF16": ("GB200", "bf16_dense"),
                "GB200, dense FP8": ("GB200", "fp8_dense")}
COMPARISONS = ("Grok-2", "GPT-4", "Llama 3.1-405B", "Grok-3")  # Epoch AI's estimates, drawn as a dashed line
LOG10_EDGES = np.linspace(22.5, 28.5, 121)  # histogram bins in log10 FLOP
ALL_IN_W_PER_GPU = 1_800  # lesson 02's facility: 1.8 kW per GPU all-in
USD_PER_KWH = 0.078  # SemiAnalysis 2024
LIFE_YEARS = 4


class RunSamples(NamedTuple):
    peak_flop_per_s: float  # one GPU, in the chosen format
    flop: np.ndarray  # training FLOP, one per draw
    gpu_hours: np.ndarray  # GPU-hours, one per draw (the duration's uncertainty only)


def run_samples(draws, chip_format: str, n_gpus, mfu, days, spread, specs=None) -> RunSamples:
    """Samples of a run whose MFU and duration are each known to within x/÷ ``spread`` (90% range).

    ``draws`` are standard-normal draws of shape (2, n): row 0 for MFU, row 1
    for the duration, reused on every call so a slider move changes no noise.
    """
    gpu, number_format = CHIP_FORMATS[chip_format]
    peak = hardware.peak_flop_per_s(gpu, number_format, specs)
    if not spread >= 1:
        raise ValueError(f"spread is a factor of at least 1, got {spread}")
    days_range = (days / spread, days * spread)
    flop = training.run_flop_samples(draws, n_gpus, peak, (mfu / spread, mfu * spread), days_range)
    hours = training.gpu_hours(n_gpus, uncertainty.lognormal_from_range(draws[1], *days_range))
    return RunSamples(peak, flop, hours)


def run_text(samples: RunSamples, chip_format, n_gpus, mfu, days, spread, rent_usd, capex_k_usd,
             compare, reference_flop) -> str:
    """The readout: FLOP interval against Epoch's estimate, GPU-hours, rent vs own, energy."""
    p5, p50, p95 = uncertainty.interval_90(samples.flop)
    gh5, gh50, gh95 = uncertainty.interval_90(samples.gpu_hours)
    own = training.ownership_cost_usd(gh50, capex_k_usd * 1e3, LIFE_YEARS, ALL_IN_W_PER_GPU, USD_PER_KWH)
    return "\n".join([
        f"{n_gpus:,} x {chip_format} ({units.format_si(samples.peak_flop_per_s, 'FLOP/s')} each), MFU {mfu:.0%}, "
        f"{days} days, spread x/÷{spread:.2f}",
        f"FLOP: median {p50:.3g}, 90% interval {p5:.3g}-{p95:.3g}; {compare} (Epoch): {reference_flop:.3g} "
        f"= percentile {np.mean(samples.flop < reference_flop):.0%}",
        f"GPU-hours: median {gh50 / 1e6:,.1f}M (90%: {gh5 / 1e6:,.1f}-{gh95 / 1e6:,.1f}M)",
        f"rent at ${rent_usd:.2f}/GPU-h: ${gh50 * rent_usd / 1e6:,.0f}M; own (IT capex ${capex_k_usd}k/GPU over 4 yr, "
        f"no building, 1.8 kW at $0.078/kWh): ${own.total_usd / 1e6:,.0f}M",
        f"energy at 1.8 kW per GPU all-in: {units.format_si(training.run_energy_wh(gh50, ALL_IN_W_PER_GPU), 'Wh')}",
    ])


def peak_scaled_histogram(log10_samples) -> np.ndarray:
    """Counts per LOG10_EDGES bin divided by the largest count (all zeros if nothing falls in range)."""
    counts, _ = np.histogram(log10_samples, bins=LOG10_EDGES)
    return counts / max(counts.max(), 1)


def training_run(chip_format: str = "H100, dense BF16", n_gpus: int = 15_000, mfu: float = 0.36, days: int = 73,
                 spread: float = 1.2, rent_usd: float = 3.0, capex_k_usd: int = 32, compare: str = "Grok-2",
                 n_samples: int = 20_000, seed: int = 11) -> Explorer:
    """Sliders for a run (chip, GPUs, MFU, days, spread, prices) and a histogram of its training FLOP."""
    import ipywidgets as widgets

    controls = {
        "chip_format": widgets.Dropdown(options=list(CHIP_FORMATS), value=chip_format,
                                        description="chip and number format"),
        "n_gpus": widgets.IntSlider(value=n_gpus, min=1_000, max=200_000, step=1_000, description="GPUs"),
        "mfu": widgets.FloatSlider(value=mfu, min=0.05, max=0.7, step=0.01, description="MFU (share of peak)"),
        "days": widgets.IntSlider(value=days, min=5, max=200, step=1, description="duration (days)"),
        "spread": widgets.FloatSlider(value=spread, min=1.0, max=2.0, step=0.05,
                                      description="uncertainty (x/÷ factor)"),
        "rent_usd": widgets.FloatSlider(value=rent_usd, min=0.5, max=12.0, step=0.25,
                                        description="rent (USD per GPU-hour)"),
        "capex_k_usd": widgets.IntSlider(value=capex_k_usd, min=10, max=100, step=1,
                                         description="IT capex (kUSD per GPU)"),
        "compare": widgets.Dropdown(options=list(COMPARISONS), value=compare, description="compare with (Epoch)"),
    }
    for control in controls.values():
        control.style.description_width = "initial"  # never cut a label off
    specs = hardware.gpu_specs()
    reference_flop = training.published_runs(list(COMPARISONS))["flop"]
    draws = uncertainty.standard_normal_draws(n_inputs=2, n_samples=n_samples, seed=seed)

    with matplotlib.rc_context(STYLE):  # the course style, even where setup_notebook() was not called
        figure = new_blit_figure(figsize=(5.6, 3.0), dpi=80)  # small, and only the moving artists are redrawn
        ax = figure.add_subplot()
        histogram = ax.stairs(np.zeros(len(LOG10_EDGES) - 1), LOG10_EDGES, fill=True, color="tab:blue", alpha=0.6)
        median_line = ax.axvline(25, color="tab:blue", lw=2)
        interval_bar = ax.hlines(0.95, 24, 26, color="tab:blue", lw=4, transform=ax.get_xaxis_transform())
        reference_line = ax.axvline(25, color="black", ls="--", lw=1.5)
        reference_label = ax.text(25, 0.85, "", transform=ax.get_xaxis_transform(), fontsize=8)
        figure.moving(histogram, median_line, interval_bar, reference_line, reference_label)
        ax.set_xlim(LOG10_EDGES[0], LOG10_EDGES[-1])
        ax.set_ylim(0, 1.25)  # the histogram is scaled to its peak: this axis never moves
        ax.set_xticks(range(23, 29), [f"1e{power}" for power in range(23, 29)])
        ax.set_yticks([])
        figure.subplots_adjust(bottom=0.22)
        decorate(ax, title="Training compute: 20,000 samples", xlabel="training FLOP (log scale)",
                 source="Peaks: NVIDIA datasheets; dashed line: Epoch AI estimate.")

    def update(chip_format, n_gpus, mfu, days, spread, rent_usd, capex_k_usd, compare):
        try:
            samples = run_samples(draws, chip_format, n_gpus, mfu, days, spread, specs)
            text = run_text(samples, chip_format, n_gpus, mfu, days, spread, rent_usd, capex_k_usd,
                            compare, reference_flop[compare])
        except (TypeError, ValueError, KeyError) as error:
            return f"cannot compute this run: {error}"
        histogram.set_data(peak_scaled_histogram(np.log10(samples.flop)))
        p5, p50, p95 = (np.log10(v) for v in uncertainty.interval_90(samples.flop))
        median_line.set_xdata([p50, p50])
        interval_bar.set_segments([[(p5, 0.95), (p95, 0.95)]])
        reference = np.log10(reference_flop[compare])
        reference_line.set_xdata([reference, reference])
        reference_label.set_x(reference)
        reference_label.set_text(f" {compare}")
        return text

    return Explorer(controls, update, figure, css_class="lesson03-run")


EXPLORERS = {"training_run": training_run}
