"""Package functions of lesson 02 (scalecheck.models.cluster) against published figures."""
import math

import numpy as np
import pytest

from scalecheck.core import data, hardware, uncertainty, units
from scalecheck.models import cluster

N = 100_000
H100_W = 700.0  # NVIDIA H100 SXM datasheet TDP (data/gpu_specs.csv)


def test_rocket_raw_materials_headroom():
    # Musk (source 003, line 119): raw materials are 1-2% of a rocket's historical price
    assert cluster.headroom_factor(0.01) == pytest.approx(100)
    assert cluster.headroom_factor(0.02) == pytest.approx(50)
    assert cluster.share_of_price(2e6, 100e6) == pytest.approx(0.02)
    with pytest.raises(ValueError):
        cluster.headroom_factor(0)
    with pytest.raises(ValueError):
        cluster.share_of_price(1.0, 0.0)


def test_semianalysis_server_overhead_gives_the_130_mw_of_source_002():
    # SemiAnalysis (Patel et al. 2024): 700 W per H100 plus ~575 W for CPUs, NICs, PSUs
    it_w = N * cluster.it_power_per_gpu_w(H100_W, 575, 0)
    assert it_w == pytest.approx(127.5e6)
    assert it_w == pytest.approx(130e6, rel=0.02)  # Wang's 130 MW (source 002, line 13)


def test_parts_add_up_to_the_facility_and_match_epoch_181_mw():
    parts = cluster.power_parts_w(N, H100_W, 575, 225, 1.2)
    assert list(parts) == list(cluster.POWER_PARTS)
    total = cluster.facility_power_w(N, H100_W, 575, 225, 1.2)
    assert sum(parts.values()) == pytest.approx(total)
    assert parts["cooling"] == pytest.approx(0.2 * (parts["gpu"] + parts["server"] + parts["network"]))
    # Epoch AI (xai_datacenter_timelines.csv): 181 MW for 100k H100 at Colossus 1
    timeline = data.load("xai_datacenter_timelines")
    epoch_mw = timeline.loc[timeline["Construction status"] == "100k H100s online.", "Power (MW)"].item()
    assert total / 1e6 == pytest.approx(epoch_mw, rel=0.01)
    assert cluster.all_in_w_per_gpu(epoch_mw * 1e6, N) == pytest.approx(1810)


def test_epoch_first_25k_h100_match_the_same_all_in_watts():
    # 45 MW for the first 25k H100 (Epoch, 2024-08-11) is the same 1.8 kW per GPU
    assert cluster.all_in_w_per_gpu(45e6, 25_000) == pytest.approx(1800)


def test_semianalysis_energy_cost_and_implied_pue():
    # SemiAnalysis: 1.59 TWh/yr at $0.078/kWh = $123.9M/yr
    assert cluster.electricity_cost_usd(1.59e12, 0.078) == pytest.approx(123.9e6, rel=0.002)
    average_w = cluster.average_power_w(1.59e12)
    assert average_w == pytest.approx(181e6, rel=0.01)
    assert cluster.annual_energy_wh(average_w) == pytest.approx(1.59e12)
    # against their >150 MW of capacity, 181 MW average implies a PUE of ~1.2
    assert cluster.implied_pue(average_w, 150e6) == pytest.approx(1.21, abs=0.01)
    assert cluster.annual_energy_wh(100e6, 0.5) == pytest.approx(50e6 * units.HOURS_PER_YEAR)


def test_generators_for_the_building_gap():
    # Musk (source 003, line 120): a 15 MW building, 150 MW needed
    gap = cluster.supply_gap_w(150e6, 15e6)
    assert gap == pytest.approx(135e6)
    assert cluster.units_needed(gap, 2.5e6) == 54
    # 14 x 2.5 MW turbines (Tom's Hardware) is exactly 35 MW: no spurious 15th unit
    assert cluster.units_needed(35e6, 2.5e6) == 14
    assert cluster.supply_gap_w(10e6, 15e6) == 0.0
    assert np.allclose(cluster.supply_gap_w(np.array([10e6, 20e6]), 15e6), [0, 5e6])
    with pytest.raises(ValueError):
        cluster.units_needed(1e6, 0)


def test_battery_power_and_energy_are_different_numbers():
    # a 50% swing of 150 MW within 100 ms (source 003, line 121)
    spike = cluster.battery_need(150e6, 0.5, 0.1)
    assert spike.power_w == pytest.approx(75e6)
    assert spike.energy_wh == pytest.approx(75e6 * 0.1 / 3600)  # about 2 kWh
    minute = cluster.battery_need(150e6, 0.5, 60)
    assert minute.energy_wh / 1e6 == pytest.approx(1.25)  # MWh
    assert minute.duration_h == pytest.approx(1 / 60)
    with pytest.raises(ValueError):
        cluster.battery_need(150e6, 1.5, 1)
    with pytest.raises(ValueError):
        cluster.battery_need(150e6, 0.5, -1)


def test_capex_matches_epoch_colossus_1():
    # Epoch: $3.2B compute + $1.5B construction = $4.7B at 100k H100 and 181 MW
    parts = cluster.capex_parts_usd(N, 32_000, 181e6, 1.5e9 / 181e6)
    assert parts["it_hardware"] == pytest.approx(3.2e9)
    assert parts["facility"] == pytest.approx(1.5e9)
    total = cluster.capex_usd(N, 32_000, 181e6, 1.5e9 / 181e6)
    assert total == pytest.approx(4.7e9)
    assert total / N == pytest.approx(47_000)
    with pytest.raises(ValueError):
        cluster.capex_usd(-1, 32_000, 181e6, 8.0)


def test_fleet_peak_matches_epoch_8_bit_figures():
    timeline = data.load("xai_datacenter_timelines").set_index("Date")
    colossus_1 = timeline[timeline["Data center"] == "xAI Colossus 1"]
    specs = hardware.gpu_specs()
    # 100k H100 in dense FP8 = Epoch's 1.979e20 8-bit OP/s (2024-09-02)
    assert cluster.fleet_peak_flop_per_s({"H100": N}, "fp8_dense", specs) == pytest.approx(
        colossus_1.loc["2024-09-02", "Performance (8-bit OP/s)"], rel=1e-3)
    # 150k H100 + 50k H200 + 30k GB200 = Epoch's 5.458e20 (2025-07-22)
    mix = {"H100": 150_000, "H200": 50_000, "GB200": 30_000}
    assert cluster.fleet_peak_flop_per_s(mix, "fp8_dense", specs) == pytest.approx(
        colossus_1.loc["2025-07-22", "Performance (8-bit OP/s)"], rel=1e-3)
    # no FP4 on Hopper: a fleet total in FP4 is undefined, not a partial sum
    assert math.isnan(cluster.fleet_peak_flop_per_s(mix, "fp4_sparse", specs))
    assert cluster.fleet_peak_flop_per_s({"GB200": 110_000}, "fp4_sparse", specs) == pytest.approx(2.2e21)


def test_fleet_power():
    mix = {"H100": 150_000, "H200": 50_000, "GB200": 30_000}
    assert cluster.fleet_board_power_w(mix) == pytest.approx(200_000 * 700 + 30_000 * 1200)
    facility = cluster.fleet_facility_power_w(mix, 575, 225, 1.2)
    assert facility == pytest.approx((176e6 + 230_000 * 800) * 1.2)
    with pytest.raises(KeyError):
        cluster.fleet_board_power_w({"TPUv9": 1})
    with pytest.raises(ValueError):
        cluster.fleet_facility_power_w(mix, 575, 225, 0.9)


def test_bad_power_inputs():
    with pytest.raises(ValueError, match="PUE"):
        cluster.facility_power_w(N, H100_W, 575, 225, 0.8)
    with pytest.raises(ValueError):
        cluster.facility_power_w(-5, H100_W, 575, 225, 1.2)
    with pytest.raises(ValueError):
        cluster.it_power_per_gpu_w(-700, 575, 225)
    with pytest.raises(ValueError):
        cluster.all_in_w_per_gpu(1e6, 0)
    with pytest.raises(ValueError):
        cluster.annual_energy_wh(1e6, 1.5)


def test_vectorised_over_samples():
    pue = np.array([1.1, 1.2, 1.3])
    total = cluster.facility_power_w(N, H100_W, 575, 225, pue)
    assert total.shape == (3,)
    assert np.allclose(total, N * 1500 * pue)


def test_lognormal_from_range_hits_its_percentiles():
    z = uncertainty.standard_normal_draws(1, 200_000, seed=1)[0]
    samples = uncertainty.lognormal_from_range(z, 0.1, 0.4)
    p5, p50, p95 = uncertainty.interval_90(samples)
    assert p5 == pytest.approx(0.1, rel=0.02)
    assert p95 == pytest.approx(0.4, rel=0.02)
    assert p50 == pytest.approx(0.2, rel=0.02)  # the geometric middle
    assert np.all(uncertainty.lognormal_from_range(z[:5], 3.0, 3.0) == 3.0)
    with pytest.raises(ValueError):
        uncertainty.lognormal_from_range(z, 2.0, 1.0)
    with pytest.raises(ValueError):
        uncertainty.lognormal_from_range(z, 0.0, 1.0)


def test_draws_are_seeded_and_intervals_refuse_bad_samples():
    a = uncertainty.standard_normal_draws(2, 10, seed=7)
    b = uncertainty.standard_normal_draws(2, 10, seed=7)
    assert a.shape == (2, 10) and np.array_equal(a, b)
    assert not np.array_equal(a, uncertainty.standard_normal_draws(2, 10, seed=8))
    with pytest.raises(ValueError):
        uncertainty.standard_normal_draws(0, 10, seed=1)
    with pytest.raises(ValueError):
        uncertainty.interval_90([])
    with pytest.raises(ValueError):
        uncertainty.interval_90([1.0, float("nan")])
