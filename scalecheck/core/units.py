"""Units and SI prefixes: parse quantities such as ``"400 EFLOP/s"`` and print them back.

Defined in lesson 01 (orders of magnitude). The course keeps every number in
plain SI base units internally (FLOP, FLOP/s, W, Wh, USD, s, ...); prefixes are
only for reading and printing.

A unit string is a product of base units, optionally divided by others:
``"FLOP/s"``, ``"USD/yr"``, ``"W/GPU"``, ``"FLOP/s/W"``. Units marked
prefixable accept an SI prefix (``"MW"``, ``"EFLOP/s"``, ``"TWh"``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass

# SI prefixes from milli to yotta (and quetta/ronna are left out on purpose:
# no claim in the sources goes beyond yotta)
SI_PREFIXES: dict[str, float] = {
    "m": 1e-3,
    "": 1.0,
    "k": 1e3,
    "M": 1e6,
    "G": 1e9,
    "T": 1e12,
    "P": 1e15,
    "E": 1e18,
    "Z": 1e21,
    "Y": 1e24,
}

PREFIX_NAMES: dict[str, str] = {
    "k": "kilo", "M": "mega", "G": "giga", "T": "tera", "P": "peta",
    "E": "exa", "Z": "zetta", "Y": "yotta",
}

SECONDS_PER_HOUR = 3600.0
SECONDS_PER_DAY = 86_400.0
DAYS_PER_YEAR = 365.25  # Julian year, the convention for "per year" rates
SECONDS_PER_YEAR = DAYS_PER_YEAR * SECONDS_PER_DAY
HOURS_PER_YEAR = DAYS_PER_YEAR * 24.0


@dataclass(frozen=True)
class BaseUnit:
    """One named unit: its dimension, its size in that dimension's base, and
    whether it takes an SI prefix."""

    name: str
    dimension: str
    scale: float = 1.0
    prefixable: bool = False


# Each dimension has one canonical unit with scale 1. Time's base is the
# second; energy's is the joule (1 Wh = 3600 J); calendar years are their
# own dimension ("year" = a date, "yr" = a duration).
_BASE_UNITS = [
    BaseUnit("FLOP", "compute", 1.0, True),
    BaseUnit("W", "power", 1.0, True),
    BaseUnit("J", "energy", 1.0, True),
    BaseUnit("Wh", "energy", SECONDS_PER_HOUR, True),
    BaseUnit("s", "time", 1.0, False),
    BaseUnit("min", "time", 60.0),
    BaseUnit("h", "time", SECONDS_PER_HOUR),
    BaseUnit("day", "time", SECONDS_PER_DAY),
    BaseUnit("month", "time", SECONDS_PER_YEAR / 12),
    BaseUnit("yr", "time", SECONDS_PER_YEAR),
    BaseUnit("year", "calendar_year"),
    BaseUnit("USD", "usd"),
    BaseUnit("GBP", "gbp"),
    BaseUnit("bit", "information", 1.0, True),
    BaseUnit("B", "information", 8.0, True),  # byte
    BaseUnit("token", "tokens", 1.0, True),
    BaseUnit("word", "words", 1.0, True),
    BaseUnit("param", "params", 1.0, True),
    BaseUnit("GPU", "gpus"),
    BaseUnit("chip", "chips"),
    BaseUnit("robot", "robots"),
    BaseUnit("person", "people"),
    BaseUnit("m", "length", 1.0, False),
    BaseUnit("km", "length", 1e3),
    BaseUnit("count", "count"),
    BaseUnit("x", "ratio"),  # a multiplier: "20x"
    BaseUnit("%", "ratio", 0.01),
    BaseUnit("1", "ratio"),  # dimensionless
]

BASE_UNITS: dict[str, BaseUnit] = {u.name: u for u in _BASE_UNITS}

# Spellings learners and sources use, mapped to the canonical name
ALIASES: dict[str, str] = {
    "flop": "FLOP", "flops": "FLOP", "FLOPs": "FLOP", "op": "FLOP", "ops": "FLOP",
    "$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "£": "GBP", "gbp": "GBP",
    "tokens": "token", "words": "word", "params": "param", "parameters": "param",
    "parameter": "param",
    "GPUs": "GPU", "gpu": "GPU", "gpus": "GPU", "chips": "chip", "robots": "robot",
    "people": "person", "persons": "person",
    "sec": "s", "second": "s", "seconds": "s",
    "hr": "h", "hour": "h", "hours": "h", "days": "day", "months": "month",
    "years": "yr", "y": "yr", "a": "yr",
    "bits": "bit", "bytes": "B", "byte": "B",
    "percent": "%", "×": "x", "times": "x", "": "1",
}

# Shorthand the sources use: "4 PF" for 4 PFLOP/s, "FLOPS" for FLOP/s.
# "FLOPS" (capital S) is read as a rate; lower-case "flops" as a count, which
# is how the course teaches the distinction. Anything ambiguous is refused
# by the answer checks rather than guessed (scalecheck/exercise/checks.py).
_RATE_SPELLINGS = {"FLOPS": "FLOP/s", "FLOP/S": "FLOP/s", "F": "FLOP/s", "FLOP/sec": "FLOP/s"}


@dataclass(frozen=True)
class Unit:
    """A parsed unit: its text, its dimension signature and its scale to SI."""

    text: str
    dimension: tuple[tuple[str, int], ...]
    scale: float

    @property
    def dimension_text(self) -> str:
        """A readable dimension such as ``compute/time``."""
        num = [d for d, p in self.dimension for _ in range(max(p, 0))]
        den = [d for d, p in self.dimension for _ in range(max(-p, 0))]
        text = "*".join(num) or "1"
        return text + ("/" + "/".join(den) if den else "")


class UnitError(ValueError):
    """Raised for a unit string the course does not know."""


def _parse_atom(token: str) -> tuple[BaseUnit, float]:
    """One unit word, with an optional SI prefix, to (unit, prefix factor)."""
    token = token.strip()
    token = ALIASES.get(token, token)
    if token in BASE_UNITS:
        return BASE_UNITS[token], 1.0
    for prefix, factor in SI_PREFIXES.items():
        if prefix and token.startswith(prefix):
            rest = ALIASES.get(token[len(prefix):], token[len(prefix):])
            unit = BASE_UNITS.get(rest)
            if unit is not None and unit.prefixable:
                return unit, factor
    raise UnitError(f"unknown unit {token!r}")


def parse_unit(text: str) -> Unit:
    """Parse a unit string such as ``"EFLOP/s"`` or ``"USD/yr"``.

    >>> parse_unit("MW").scale
    1000000.0
    >>> parse_unit("PFLOP/s").dimension
    (('compute', 1), ('time', -1))
    """
    if not isinstance(text, str):
        raise UnitError(f"a unit must be text, not {type(text).__name__}")
    raw = text.strip()
    for spelling, canonical in _RATE_SPELLINGS.items():
        for prefix in SI_PREFIXES:
            if raw == prefix + spelling:
                raw = prefix + canonical
    parts = [p for p in re.split(r"\s*/\s*", raw)] if raw else [""]
    dims: dict[str, int] = {}
    scale = 1.0
    for i, part in enumerate(parts):
        sign = 1 if i == 0 else -1
        factors = [f for f in re.split(r"[*·\s-]+", part) if f] or [""]
        for factor in factors:
            unit, prefix_factor = _parse_atom(factor)
            scale *= (unit.scale * prefix_factor) ** sign
            if unit.dimension != "ratio":
                dims[unit.dimension] = dims.get(unit.dimension, 0) + sign
    dimension = tuple(sorted((d, p) for d, p in dims.items() if p != 0))
    return Unit(text=text.strip(), dimension=dimension, scale=scale)


def convert(value: float, from_unit: str, to_unit: str) -> float:
    """Convert a value between two units of the same dimension.

    >>> convert(150, "MW", "W")
    150000000.0
    """
    a, b = parse_unit(from_unit), parse_unit(to_unit)
    if a.dimension != b.dimension:
        raise UnitError(
            f"cannot convert {from_unit} ({a.dimension_text}) to {to_unit} "
            f"({b.dimension_text})"
        )
    return value * a.scale / b.scale


_NUMBER = r"[-+]?(?:\d[\d_,]*\.?\d*|\.\d+)(?:[eE][-+]?\d+)?"
_QUANTITY = re.compile(
    rf"^\s*(?P<num>{_NUMBER})\s*(?:(?:x|×|\*)\s*10\s*\^\s*(?P<exp>[-+]?\d+))?\s*(?P<unit>.*?)\s*$"
)


def parse_quantity(text: str) -> tuple[float, str]:
    """Split ``"4e20 FLOP/s"``, ``"400 EFLOP/s"`` or ``"2.5 x 10^25 FLOP"``
    into a number and a unit string (the unit may be empty).

    The number is returned as written (no prefix applied); apply the unit
    with :func:`parse_unit`.
    """
    if not isinstance(text, str):
        raise ValueError(f"expected text, got {type(text).__name__}")
    match = _QUANTITY.match(text.replace("\u2212", "-"))
    if not match:
        raise ValueError(f"could not read a number in {text!r}")
    number_text = match.group("num").replace("_", "").replace(",", "")
    number = float(number_text)
    if match.group("exp"):
        number *= 10.0 ** int(match.group("exp"))
    return number, match.group("unit")


def _plain(value: float, digits: int) -> str:
    """A number without prefix: commas for thousands, else general format."""
    rounded = float(f"{value:.{digits}g}")
    if 1e3 <= abs(rounded) < 1e15:
        return f"{rounded:,.0f}"
    return f"{rounded:.{digits}g}"


def split_prefix(unit: str) -> tuple[float, str] | None:
    """(prefix factor, unit without its prefix) when the unit's first atom takes SI
    prefixes, e.g. "EFLOP/s" -> (1e18, "FLOP/s"), "W" -> (1.0, "W"); None for
    units that never take one ("USD", "yr", "x")."""
    head, sep, rest = unit.strip().partition("/")
    try:
        base, factor = _parse_atom(head)
    except UnitError:
        return None
    if not base.prefixable:
        return None
    return factor, base.name + sep + rest


def takes_prefix(unit: str) -> bool:
    """True when ``unit`` starts with a bare prefixable unit (FLOP, W, Wh, ...),
    so that printing may add an SI prefix; "MWh" or "yr" are printed as is."""
    first = re.split(r"[/*·\s-]", unit.strip(), maxsplit=1)[0] if unit else ""
    first = ALIASES.get(first, first)
    if first in ("FLOPS", "F"):
        return True
    base = BASE_UNITS.get(first)
    return base is not None and base.prefixable


def format_si(value: float, unit: str = "", digits: int = 3) -> str:
    """Print a value with the SI prefix that keeps the mantissa in [1, 1000).

    >>> format_si(3.958e20, "FLOP/s")
    '396 EFLOP/s'
    >>> format_si(1.5e8, "W")
    '150 MW'
    >>> format_si(1139580, "MWh")
    '1,140,000 MWh'
    """
    if value is None or not math.isfinite(value):
        return f"{value} {unit}".strip()
    if value == 0:
        return f"0 {unit}".strip()
    if unit.strip() == "year":  # a calendar year: no prefix, no thousands separator
        return f"{value:.6g} year"
    if not takes_prefix(unit) or abs(value) < 1:
        return f"{_plain(value, digits)} {unit}".strip()
    exponent = min(int(math.floor(math.log10(abs(value)) / 3) * 3), 24)
    symbol = {v: k for k, v in SI_PREFIXES.items()}[10.0 ** exponent]
    mantissa = value / 10.0 ** exponent
    if abs(float(f"{mantissa:.{digits}g}")) >= 1000 and exponent < 24:
        exponent += 3
        symbol = {v: k for k, v in SI_PREFIXES.items()}[10.0 ** exponent]
        mantissa = value / 10.0 ** exponent
    return f"{_plain(mantissa, digits)} {symbol}{unit}".strip()
