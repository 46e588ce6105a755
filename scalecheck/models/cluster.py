"""A GPU cluster priced from its parts: watts, generators, batteries, dollars.

Defined in lesson 02 (first principles: the cost of a thing). Every function
is pure and works on plain numbers or on numpy arrays of samples, so the same
code gives a point estimate and a Monte Carlo distribution. Units are in the
names: ``_w`` watts, ``_wh`` watt-hours, ``_usd`` US dollars, ``_s`` seconds.

Lesson 02 also introduces the Monte Carlo helpers (``standard_normal_draws``,
``lognormal_from_range``, ``interval_90``); they live in
:mod:`scalecheck.core.uncertainty`, shared by every lesson that samples. Input
checks come from :mod:`scalecheck.core.arrays`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from scalecheck.core import hardware, units
from scalecheck.core.arrays import float_or_array, non_negative_array, positive_array

#: The four parts of a facility's power, bottom to top, as lesson 02 stacks them
POWER_PARTS = ("gpu", "server", "network", "cooling")
POWER_PART_LABELS = {
    "gpu": "GPU boards",
    "server": "server overhead (CPUs, NICs, fans, PSU losses)",
    "network": "network and storage",
    "cooling": "cooling and facility overhead (PUE - 1)",
}


def _check_pue(pue) -> None:
    if np.any(np.asarray(pue, dtype=float) < 1):
        raise ValueError(f"PUE is facility power over IT power, so it is at least 1; got {pue}")


# ---------------------------------------------------------------------------
# First principles: price the parts


def share_of_price(parts_usd, price_usd):
    """The share of a price that the parts account for (a fraction, 0-1 for a floor).

    Musk's rocket example (source 003, line 119): raw materials at 1-2% of a
    rocket's historical price means a share of 0.01-0.02.
    """
    non_negative_array(parts_usd, "parts_usd")
    positive_array(price_usd, "price_usd")
    return parts_usd / price_usd


def headroom_factor(share) -> float:
    """How many times the price exceeds the cost of its parts: 1 / share.

    A 1% share leaves a factor of 100 between the price and the parts floor;
    that gap is what manufacturing, overheads and margin cost.
    """
    positive_array(share, "share")
    return 1.0 / share


# ---------------------------------------------------------------------------
# Power, built up from the GPU board


def it_power_per_gpu_w(gpu_board_w, server_overhead_w, network_w):
    """IT power per GPU: the board plus its share of the server and the network."""
    non_negative_array(gpu_board_w, "gpu_board_w")
    non_negative_array(server_overhead_w, "server_overhead_w")
    non_negative_array(network_w, "network_w")
    return gpu_board_w + server_overhead_w + network_w


def power_parts_w(n_gpus, gpu_board_w, server_overhead_w, network_w, pue) -> dict:
    """A facility's power split into its parts, in watts.

    Keys (see :data:`POWER_PARTS`): ``gpu`` (boards), ``server`` (CPUs, NICs,
    fans, power-supply losses), ``network`` (switches, optics, storage) and
    ``cooling`` (everything the PUE adds on top of the IT load). The parts
    sum to :func:`facility_power_w`.
    """
    non_negative_array(n_gpus, "n_gpus")
    _check_pue(pue)
    it_w = n_gpus * it_power_per_gpu_w(gpu_board_w, server_overhead_w, network_w)
    return {
        "gpu": n_gpus * gpu_board_w,
        "server": n_gpus * server_overhead_w,
        "network": n_gpus * network_w,
        "cooling": it_w * (pue - 1.0),
    }


def facility_power_w(n_gpus, gpu_board_w, server_overhead_w, network_w, pue):
    """Facility power: GPUs x IT power per GPU x PUE (power usage effectiveness)."""
    non_negative_array(n_gpus, "n_gpus")
    _check_pue(pue)
    return n_gpus * it_power_per_gpu_w(gpu_board_w, server_overhead_w, network_w) * pue


def all_in_w_per_gpu(facility_w, n_gpus):
    """Facility power divided by the GPU count: the 'all-in' watts per GPU."""
    non_negative_array(facility_w, "facility_w")
    positive_array(n_gpus, "n_gpus")
    return facility_w / n_gpus


def implied_pue(facility_w, it_w):
    """The PUE that links an IT load to a facility total: facility / IT."""
    non_negative_array(facility_w, "facility_w")
    positive_array(it_w, "it_w")
    return facility_w / it_w


# ---------------------------------------------------------------------------
# Supplying the power: the building, generators and batteries


def supply_gap_w(need_w, supply_w):
    """Power still missing when a site needs ``need_w`` and has ``supply_w`` (never negative)."""
    non_negative_array(need_w, "need_w")
    non_negative_array(supply_w, "supply_w")
    return float_or_array(np.maximum(np.asarray(need_w, dtype=float) - supply_w, 0.0))


def units_needed(power_w: float, unit_power_w: float) -> int:
    """Whole units (generators, transformers, ...) of ``unit_power_w`` to cover ``power_w``."""
    non_negative_array(power_w, "power_w")
    positive_array(unit_power_w, "unit_power_w")
    return int(math.ceil(power_w / unit_power_w - 1e-9))


@dataclass(frozen=True)
class BatteryNeed:
    """What a battery must do to hide a load swing from the generators.

    A battery has two ratings, and a swing tests both: ``power_w`` (how fast
    it can absorb or deliver energy: the size of the swing) and ``energy_wh``
    (how much it must absorb or deliver before the generators have followed:
    power x time).
    """

    power_w: float
    energy_wh: float
    cover_s: float

    @property
    def duration_h(self) -> float:
        """The cover time in hours (energy / power)."""
        return self.cover_s / units.SECONDS_PER_HOUR


def battery_need(load_w: float, swing_fraction: float, cover_s: float) -> BatteryNeed:
    """Battery power and energy to carry a swing of ``swing_fraction`` of ``load_w``
    for ``cover_s`` seconds, the time the generators take to follow.

    The same numbers apply in both directions: when the load drops, the
    battery absorbs the generators' surplus; when it jumps back, the battery
    supplies the deficit. (A flat-topped swing, the conservative case.)
    """
    non_negative_array(load_w, "load_w")
    non_negative_array(cover_s, "cover_s")
    if not 0 <= swing_fraction <= 1:
        raise ValueError(f"swing_fraction is a fraction between 0 and 1, got {swing_fraction}")
    power_w = load_w * swing_fraction
    return BatteryNeed(power_w=power_w, energy_wh=power_w * cover_s / units.SECONDS_PER_HOUR, cover_s=cover_s)


# ---------------------------------------------------------------------------
# Capital cost and electricity


def capex_parts_usd(n_gpus, it_usd_per_gpu, facility_w, facility_usd_per_w) -> dict:
    """Capital cost in two parts: IT hardware (servers and network, per GPU)
    and the facility (building, power and cooling plant, per watt of capacity)."""
    non_negative_array(n_gpus, "n_gpus")
    non_negative_array(it_usd_per_gpu, "it_usd_per_gpu")
    non_negative_array(facility_w, "facility_w")
    non_negative_array(facility_usd_per_w, "facility_usd_per_w")
    return {"it_hardware": n_gpus * it_usd_per_gpu, "facility": facility_w * facility_usd_per_w}


def capex_usd(n_gpus, it_usd_per_gpu, facility_w, facility_usd_per_w):
    """Total capital cost: IT hardware plus facility (see :func:`capex_parts_usd`)."""
    parts = capex_parts_usd(n_gpus, it_usd_per_gpu, facility_w, facility_usd_per_w)
    return parts["it_hardware"] + parts["facility"]


def annual_energy_wh(power_w, load_factor=1.0):
    """Energy used in a (365.25-day) year at ``power_w`` times an average load factor (0-1)."""
    non_negative_array(power_w, "power_w")
    if np.any((np.asarray(load_factor, dtype=float) < 0) | (np.asarray(load_factor, dtype=float) > 1)):
        raise ValueError(f"load_factor is a fraction between 0 and 1, got {load_factor}")
    return power_w * load_factor * units.HOURS_PER_YEAR


def electricity_cost_usd(energy_wh, usd_per_kwh):
    """What ``energy_wh`` costs at a tariff in USD per kWh."""
    non_negative_array(energy_wh, "energy_wh")
    non_negative_array(usd_per_kwh, "usd_per_kwh")
    return energy_wh / 1e3 * usd_per_kwh


def average_power_w(energy_wh, hours=units.HOURS_PER_YEAR):
    """The constant power that uses ``energy_wh`` in ``hours`` (a year by default)."""
    non_negative_array(energy_wh, "energy_wh")
    positive_array(hours, "hours")
    return energy_wh / hours


# ---------------------------------------------------------------------------
# A mixed fleet of GPUs


def fleet_peak_flop_per_s(counts: Mapping[str, float], number_format: str,
                          specs: pd.DataFrame | None = None) -> float:
    """Peak FLOP/s of a mixed fleet, ``{gpu: count}``, in one number format.

    NaN if any GPU in the fleet has no such mode (H100 has no FP4): a fleet
    total in FP4 would silently count only part of the fleet.
    """
    specs = hardware.gpu_specs() if specs is None else specs
    total = 0.0
    for gpu, count in counts.items():
        non_negative_array(count, "count")
        if count:
            total += hardware.cluster_peak_flop_per_s(count, hardware.peak_flop_per_s(gpu, number_format, specs))
    return float(total)


def fleet_board_power_w(counts: Mapping[str, float], specs: pd.DataFrame | None = None) -> float:
    """Sum of GPU board power (TDP) over a mixed fleet, ``{gpu: count}``."""
    specs = hardware.gpu_specs() if specs is None else specs
    total = 0.0
    for gpu, count in counts.items():
        non_negative_array(count, "count")
        matches = [name for name in specs.index if name == gpu or hardware.short_name(name) == gpu]
        if not matches:
            raise KeyError(f"no GPU {gpu!r} in the table; known: {', '.join(specs.index)}")
        total += count * float(specs.loc[matches[0], "tdp_w"])
    return total


def fleet_facility_power_w(counts: Mapping[str, float], server_overhead_w, network_w, pue,
                           specs: pd.DataFrame | None = None):
    """Facility power of a mixed fleet: (boards + per-GPU overheads) x PUE."""
    _check_pue(pue)
    non_negative_array(server_overhead_w, "server_overhead_w")
    non_negative_array(network_w, "network_w")
    n_gpus = sum(counts.values())
    return (fleet_board_power_w(counts, specs) + n_gpus * (server_overhead_w + network_w)) * pue
