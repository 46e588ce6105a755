"""Lesson 02's explorers: build a GPU facility's power from its parts; size the battery for a load swing.

The readouts are pure functions of the slider values (tested in
tests/test_explorers_early.py); the builders wire them to sliders and, for
the power explorer, a stacked bar that redraws only its moving parts.
"""
from __future__ import annotations

import matplotlib

from scalecheck.core.plotting import STYLE, decorate
from scalecheck.models import cluster
from scalecheck.ui.blitfigure import new_blit_figure
from scalecheck.ui.widgets import Explorer

POWER_COLOURS = {"gpu": "tab:green", "server": "tab:blue", "network": "tab:purple", "cooling": "tab:orange"}
POWER_SHORT_LABELS = {"gpu": "GPU boards", "server": "servers", "network": "network", "cooling": "cooling (PUE)"}
# The sources' facility figures for 100k H100s, drawn as reference lines: (MW, line style, label)
REFERENCE_MW = ((130, "--", "130 MW (002)"), (150, "--", "150 MW (001, 003)"), (181, ":", "181 MW (Epoch)"))
# A few fixed y-axis tops: the axis (and so a full redraw) changes only when the total crosses one
SCALE_TOPS_MW = (250, 500, 1_000, 2_000, 4_000, 8_000)
MEGAPACKS_W = 150e6  # battery power reported at Colossus (lesson 02, section 6)


def scale_top_mw(total_mw: float) -> float:
    """The smallest fixed axis top that leaves 12% headroom above ``total_mw``."""
    return next((top for top in SCALE_TOPS_MW[:-1] if total_mw * 1.12 <= top), SCALE_TOPS_MW[-1])


def power_parts_mw(n_gpus, gpu_board_w, server_overhead_w, network_w, pue) -> dict:
    """The facility's parts in MW, in stacking order (cluster.POWER_PARTS)."""
    parts = cluster.power_parts_w(n_gpus, gpu_board_w, server_overhead_w, network_w, pue)
    return {part: parts[part] / 1e6 for part in cluster.POWER_PARTS}


def power_text(n_gpus, gpu_board_w, server_overhead_w, network_w, pue) -> str:
    """The power explorer's readout: the parts, the total, and the total against the 130 and 150 MW claims."""
    try:
        parts_mw = power_parts_mw(n_gpus, gpu_board_w, server_overhead_w, network_w, pue)
        total_mw = sum(parts_mw.values())
        if not total_mw > 0:
            raise ValueError("the facility needs at least one GPU drawing some power")
    except (TypeError, ValueError) as error:
        return f"cannot build this facility: {error}"
    lines = [f"{n_gpus:,} GPUs at {gpu_board_w} W + {server_overhead_w} W server + {network_w} W network, "
             f"PUE {pue:.2f}"]
    lines += [f"{cluster.POWER_PART_LABELS[part]}: {mw:,.1f} MW" for part, mw in parts_mw.items()]
    lines.append(f"facility: {total_mw:,.1f} MW = {total_mw * 1e3 / n_gpus:.2f} kW per GPU all-in; "
                 f"{total_mw / 130:.2f}x the 130 MW claim, {total_mw / 150:.2f}x the 150 MW claim")
    return "\n".join(lines)


def battery_text(load_mw, swing_pct, cover_s) -> str:
    """The battery explorer's readout: power and energy to carry the swing for ``cover_s`` seconds."""
    try:
        need = cluster.battery_need(load_mw * 1e6, swing_pct / 100, cover_s)
        if need.power_w != need.power_w or need.energy_wh != need.energy_wh:  # NaN slipped through
            raise ValueError("every input must be a number")
    except (TypeError, ValueError) as error:
        return f"cannot size the battery: {error}"
    return (f"swing {swing_pct}% of {load_mw} MW, covered for {cover_s:,.1f} s\n"
            f"battery power: {need.power_w / 1e6:,.1f} MW "
            f"({need.power_w / MEGAPACKS_W:.2f}x the 150 MW of Megapacks reported)\n"
            f"battery energy: {need.energy_wh / 1e6:,.3f} MWh")


def _initial_width(controls: dict) -> dict:
    for control in controls.values():
        control.style.description_width = "initial"  # never cut a label off
    return controls


def power(n_gpus: int = 100_000, gpu_board_w: int = 700, server_overhead_w: int = 575, network_w: int = 225,
          pue: float = 1.2) -> Explorer:
    """Sliders for the four parts of a facility and a stacked bar against the sources' 130/150/181 MW."""
    import ipywidgets as widgets

    controls = _initial_width({
        "n_gpus": widgets.IntSlider(value=n_gpus, min=5_000, max=300_000, step=5_000, description="GPUs"),
        "gpu_board_w": widgets.IntSlider(value=gpu_board_w, min=300, max=1_400, step=25, description="GPU board (W)"),
        "server_overhead_w": widgets.IntSlider(value=server_overhead_w, min=0, max=1_200, step=25,
                                               description="server overhead (W per GPU)"),
        "network_w": widgets.IntSlider(value=network_w, min=0, max=600, step=25,
                                       description="network and storage (W per GPU)"),
        "pue": widgets.FloatSlider(value=pue, min=1.0, max=2.0, step=0.05, description="PUE"),
    })
    with matplotlib.rc_context(STYLE):  # the course style, even where setup_notebook() was not called
        figure = new_blit_figure(figsize=(5.2, 3.0), dpi=80)  # redraws only the parts that move
        ax = figure.add_subplot()
        segments = {part: ax.bar([0], [1.0], width=0.5, color=POWER_COLOURS[part])[0] for part in cluster.POWER_PARTS}
        labels = {part: ax.text(0.3, 0, POWER_SHORT_LABELS[part], fontsize=8, va="center", color=POWER_COLOURS[part])
                  for part in cluster.POWER_PARTS}
        for level, style, label in REFERENCE_MW:
            ax.axhline(level, ls=style, color="0.3", lw=1)
            ax.text(-1.35, level, label, fontsize=7, va="bottom")
        total_label = ax.text(0, 1.0, "", ha="center", va="bottom", fontsize=9)
        figure.moving(*segments.values(), *labels.values(), total_label)
        ax.set_xlim(-1.4, 1.3)
        ax.set_xticks([])
        ax.grid(False)  # fewer artists to draw on every move
        decorate(ax, ylabel="facility power (MW)",
                 source="Overheads: SemiAnalysis 2024; lines: sources 001-003, Epoch AI.")

    def update(n_gpus, gpu_board_w, server_overhead_w, network_w, pue):
        text = power_text(n_gpus, gpu_board_w, server_overhead_w, network_w, pue)
        if text.startswith("cannot"):
            return text
        bottom = 0.0
        for part, mw in power_parts_mw(n_gpus, gpu_board_w, server_overhead_w, network_w, pue).items():
            segments[part].set_y(bottom)
            segments[part].set_height(mw)
            labels[part].set_y(bottom + mw / 2)
            bottom += mw
        total_label.set_position((0, bottom))
        total_label.set_text(f"{bottom:,.0f} MW")
        top = scale_top_mw(bottom)
        if ax.get_ylim()[1] != top:  # a new scale: the whole figure must be redrawn
            ax.set_ylim(0, top)
            figure.redraw_all()
        return text

    return Explorer(controls, update, figure, css_class="lesson02-power")


def battery(load_mw: int = 150, swing_pct: int = 50, cover_s: float = 60) -> Explorer:
    """Sliders for site load, swing and cover time; a text readout of battery power and energy."""
    import ipywidgets as widgets

    controls = _initial_width({
        "load_mw": widgets.IntSlider(value=load_mw, min=10, max=500, step=10, description="site load (MW)"),
        "swing_pct": widgets.IntSlider(value=swing_pct, min=5, max=100, step=5, description="swing (% of load)"),
        "cover_s": widgets.FloatLogSlider(value=cover_s, base=10, min=-1, max=3.6, step=0.1,
                                          description="cover time (s)"),
    })
    return Explorer(controls, battery_text, css_class="lesson02-battery")


EXPLORERS = {"power": power, "battery": battery}
