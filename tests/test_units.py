import math

import pytest

from scalecheck.core import units


@pytest.mark.parametrize("text, dimension, scale", [
    ("MW", (("power", 1),), 1e6),
    ("EFLOP/s", (("compute", 1), ("time", -1)), 1e18),
    ("PF", (("compute", 1), ("time", -1)), 1e15),
    ("FLOPS", (("compute", 1), ("time", -1)), 1.0),
    ("kWh", (("energy", 1),), 3.6e6),
    ("GPU-h", (("gpus", 1), ("time", 1)), 3600.0),
    ("%", (), 0.01),
    ("x", (), 1.0),
    ("USD/yr", (("time", -1), ("usd", 1)), 1 / units.SECONDS_PER_YEAR),
])
def test_parse_unit(text, dimension, scale):
    unit = units.parse_unit(text)
    assert unit.dimension == dimension
    assert math.isclose(unit.scale, scale)


@pytest.mark.parametrize("bad", ["furlongs", "kGPU", "MUSD", 3, None])
def test_parse_unit_rejects_unknown(bad):
    with pytest.raises(units.UnitError):
        units.parse_unit(bad)


def test_flop_and_flop_per_s_differ():
    assert units.parse_unit("FLOP").dimension != units.parse_unit("FLOP/s").dimension
    assert units.parse_unit("W").dimension != units.parse_unit("Wh").dimension


def test_convert():
    assert units.convert(150, "MW", "W") == 150e6
    assert math.isclose(units.convert(1.59, "TWh", "MWh"), 1.59e6)
    with pytest.raises(units.UnitError):
        units.convert(1, "MW", "MWh")


@pytest.mark.parametrize("text, number, unit", [
    ("400 EFLOP/s", 400.0, "EFLOP/s"),
    ("2.5 x 10^25 FLOP", 2.5e25, "FLOP"),
    ("1,000,000", 1e6, ""),
    ("-3e-2", -0.03, ""),
    ("1_000 MW", 1000.0, "MW"),
    ("\u22125", -5.0, ""),
])
def test_parse_quantity(text, number, unit):
    assert units.parse_quantity(text) == (pytest.approx(number), unit)


@pytest.mark.parametrize("bad", ["abc", "", "e5", 5])
def test_parse_quantity_rejects(bad):
    with pytest.raises(ValueError):
        units.parse_quantity(bad)


@pytest.mark.parametrize("value, unit, text", [
    (3.958e20, "FLOP/s", "396 EFLOP/s"),
    (1.5e8, "W", "150 MW"),
    (1139580, "MWh", "1,140,000 MWh"),
    (32.03, "yr", "32 yr"),
    (8e25, "FLOP", "80 YFLOP"),
    (999.9e15, "FLOP/s", "1 EFLOP/s"),
    (0, "W", "0 W"),
    (2027.66, "year", "2027.66 year"),
    (float("nan"), "W", "nan W"),
])
def test_format_si(value, unit, text):
    assert units.format_si(value, unit) == text


@pytest.mark.parametrize("unit, expected", [
    ("EFLOP/s", (1e18, "FLOP/s")),
    ("W", (1.0, "W")),
    ("TWh", (1e12, "Wh")),
    ("kWh/yr", (1e3, "Wh/yr")),
    ("USD", None),
    ("yr", None),
    ("x", None),
    ("furlong", None),
])
def test_split_prefix(unit, expected):
    assert units.split_prefix(unit) == (None if expected is None else (pytest.approx(expected[0]), expected[1]))
