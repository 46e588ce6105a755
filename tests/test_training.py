"""Package functions of lesson 03 (scalecheck.models.training) against published figures."""
import numpy as np
import pytest

from scalecheck.core import data, hardware, uncertainty
from scalecheck.models import training

H100 = hardware.peak_flop_per_s("H100", "bf16_dense")
A100 = hardware.peak_flop_per_s("A100 40GB", "bf16_dense")


def test_6nd_reproduces_published_compute():
    # GPT-3 (Brown et al. 2020): 175B params, 300B tokens, 3.14e23 FLOP reported
    assert training.training_flop_6nd(175e9, 300e9) == pytest.approx(3.15e23)
    assert training.training_flop_6nd(175e9, 300e9) == pytest.approx(3.14e23, rel=0.01)
    # Llama 3.1-405B (arXiv:2407.21783): 405B params, 15.6T tokens, 3.8e25 FLOP
    assert training.training_flop_6nd(405e9, 15.6e12) == pytest.approx(3.8e25, rel=0.01)
    with pytest.raises(ValueError):
        training.training_flop_6nd(-1, 1e9)


def test_llama_gpu_hours_imply_an_average_mfu_below_the_steady_state_one():
    # 30.84M H100-hours for 3.8e25 FLOP: averaged over every hour, MFU ~35%,
    # below the 38-43% Meta reports for steady training (restarts, evaluation)
    days_per_gpu = 30.84e6 / 24
    mfu = training.implied_mfu(3.8e25, 1, H100, days_per_gpu)
    assert mfu == pytest.approx(0.346, abs=0.005)
    assert mfu < 0.38
    # and at Epoch's recorded 40% MFU, 16,384 GPUs need ~68 days for 3.8e25
    days = training.days_for_flop(3.8e25, 16_384, H100, 0.40)
    assert days == pytest.approx(67.9, abs=0.5)
    assert training.run_flop(16_384, H100, 0.40, days) == pytest.approx(3.8e25)


def test_gpt4_hardware_estimate_matches_epoch():
    runs = training.published_runs(["GPT-4"])
    gpt4 = runs.loc["GPT-4"]
    assert gpt4["n_gpus"] == 25_000 and gpt4["hours"] == 2280 and gpt4["mfu"] == 0.34
    flop = training.run_flop(gpt4["n_gpus"], A100, gpt4["mfu"], gpt4["hours"] / 24)
    assert flop == pytest.approx(gpt4["flop"], rel=0.05)  # 2.18e25 vs Epoch's 2.1e25
    assert training.gpu_hours(25_000, 95) == pytest.approx(gpt4["chip_hours"])


def test_grok3_epoch_estimate_implies_high_bf16_mfu():
    # Epoch: 4.64e26 FLOP on 100k H100 for 2,400 h -> 54% of the dense-BF16 peak
    grok3 = training.published_runs(["Grok-3"]).loc["Grok-3"]
    mfu = training.implied_mfu(grok3["flop"], grok3["n_gpus"], H100, grok3["hours"] / 24)
    assert mfu == pytest.approx(0.543, abs=0.005)


def test_grok2_days_for_each_gpu_count():
    # Epoch's 2.96e25 FLOP for Grok-2 on 15k (source 000) or 20k (Musk, Apr 2024) H100 at 40% MFU
    grok2 = training.published_runs(["Grok-2"]).loc["Grok-2"]
    assert grok2["flop"] == pytest.approx(2.96e25)
    days_15k = training.days_for_flop(grok2["flop"], 15_000, H100, 0.40)
    days_20k = training.days_for_flop(grok2["flop"], 20_000, H100, 0.40)
    assert days_15k == pytest.approx(57.7, abs=0.2)
    assert days_15k / days_20k == pytest.approx(20 / 15)


def test_twenty_times_claim_depends_on_format():
    assert training.cluster_ratio(100_000, H100, 25_000, A100) == pytest.approx(12.7, abs=0.05)
    fp8 = hardware.peak_flop_per_s("H100", "fp8_dense")
    assert training.cluster_ratio(100_000, fp8, 25_000, A100) == pytest.approx(25.4, abs=0.1)
    table = training.cluster_ratio_table(100_000, "H100", 25_000, "A100 40GB")
    assert table.loc["BF16 dense", "BF16 dense"] == pytest.approx(12.7, abs=0.05)
    assert table.loc["FP8 sparse", "BF16 dense"] == pytest.approx(50.7, abs=0.1)
    assert np.isnan(table.loc["FP4 dense", "BF16 dense"])
    assert not ((table > 19.5) & (table < 20.5)).any().any()  # no pairing gives 20x exactly
    with pytest.raises(ValueError):
        training.cluster_ratio(1, 1, 0, 1)


def test_rent_and_own():
    assert training.rental_cost_usd(57e6, 2.0) == pytest.approx(114e6)
    # $35,064 over 4 years is $1.00 per hour; 1 kW for an hour at $0.10/kWh is $0.10
    own = training.ownership_cost_usd(1.0, 4 * 8766.0, 4, 1000, 0.10)
    assert own.capex_usd == pytest.approx(1.0)
    assert own.energy_usd == pytest.approx(0.10)
    assert own.total_usd == pytest.approx(1.10)
    assert training.break_even_usd_per_gpu_hour(4 * 8766.0, 4, 1000, 0.10) == pytest.approx(1.10)
    with pytest.raises(ValueError):
        training.ownership_cost_usd(1.0, 30_000, 0, 1000, 0.1)


def test_epoch_gpt4_costs_are_reproduced_by_the_same_arithmetic():
    gpt4 = training.published_runs(["GPT-4"]).loc["GPT-4"]
    # cloud cost / chip-hours = the price per A100-hour Epoch used (~$1.38),
    # which sits among the committed-use A100 prices in Epoch's price table
    rate = gpt4["cloud_cost_usd"] / gpt4["chip_hours"]
    prices = data.load("epoch_hardware_prices", encoding="utf-8-sig")
    a100 = prices[prices["Hardware model"].str.contains("A100", na=False)]
    committed = a100["Price per chip-hour (3-year CUD)"].dropna()
    assert committed.min() <= rate <= committed.max()
    # amortised: acquisition cost per GPU over a 5-year life plus energy at
    # Epoch's recorded power, within 15% of Epoch's $40.7M
    own = training.ownership_cost_usd(gpt4["chip_hours"], gpt4["acquisition_cost_usd"] / gpt4["n_gpus"], 5,
                                      gpt4["power_w"] / gpt4["n_gpus"], 0.078)
    assert own.total_usd == pytest.approx(gpt4["amortised_cost_usd"], rel=0.15)


def test_run_energy():
    # Epoch: GPT-4 drew 19.9 MW for 2,280 h -> ~45 GWh
    assert training.run_energy_wh(57e6, 19.944e6 / 25_000) == pytest.approx(45.5e9, rel=0.01)


def test_monte_carlo_samples():
    z = uncertainty.standard_normal_draws(2, 100_000, seed=3)
    samples = training.run_flop_samples(z, 20_000, H100, (0.30, 0.43), (45, 120))
    p5, p50, p95 = uncertainty.interval_90(samples)
    centre = training.run_flop(20_000, H100, (0.30 * 0.43) ** 0.5, (45 * 120) ** 0.5)
    assert p50 == pytest.approx(centre, rel=0.02)
    assert p5 < centre < p95
    # the same draws always give the same samples
    again = training.run_flop_samples(z, 20_000, H100, (0.30, 0.43), (45, 120))
    assert np.array_equal(samples, again)
    # MFU is capped at 1 even for a range reaching above it
    wild = training.run_flop_samples(z, 1, 1.0, (0.5, 2.0), (1, 1))
    assert wild.max() <= 86_400 + 1e-6
    with pytest.raises(ValueError):
        training.run_flop_samples(z[0], 1, 1.0, (0.3, 0.4), (1, 2))


def test_bad_run_inputs():
    with pytest.raises(ValueError, match="mfu"):
        training.run_flop(1000, H100, 1.2, 10)
    with pytest.raises(ValueError, match="mfu"):
        training.run_flop(1000, H100, 0.0, 10)
    with pytest.raises(ValueError):
        training.run_flop(1000, H100, 0.4, -1)
    with pytest.raises(ValueError):
        training.days_for_flop(1e25, 0, H100, 0.4)
    with pytest.raises(ValueError):
        training.implied_mfu(1e25, 1000, H100, 0)
    with pytest.raises(KeyError):
        training.published_runs(["Not a model"])
