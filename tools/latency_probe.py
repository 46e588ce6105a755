"""Where an explorer's browser latency goes: key press -> paint, split into its parts.

    .venv/bin/python tools/latency_probe.py [--presses 15] [--variants nagle nodelay] [--cases ...] [--markdown]

In the same set-up as `tools/benchmark.py browser` (Chromium through Playwright, JupyterLab
started by `course.py lab` in a copy of the course), one notebook holds small cases, each a
slider and one target widget, driven by arrow keys on the slider:

- jslink: the slider jsdlink'ed to an HTML widget (no kernel: browser input, widget render, paint)
- label / html / htmlmath: slider.observe -> a Label / HTML / HTMLMath value set in the kernel
- image5 / image20 / image40: slider.observe -> an Image of about 5, 20 or 40 kB (two alternating PNGs)
- url20 / url40: the same PNGs as data: URLs (Image format "url": no blob URL in the page)
- readout+image20: an HTML readout and a 20 kB Image set one after the other (what Explorer does)
- readout+bqplot: an HTML readout and two 200-point curves drawn in the page by bqplot (d3 SVG): the
  client-side route issue 16 names (a case with the curves alone never settled in the probe's wait and
  was dropped). bqplot is not a course dependency: run the probe with SCALECHECK_VENV pointing at a
  separate venv that has it (`SCALECHECK_VENV=/tmp/probe-venv python3 course.py lab --version`, then
  `/tmp/probe-venv/bin/pip install bqplot`)
- ex-definitions / ex-data_wall / ex-scenario / ex-training_run / ex-passk / ex-power: the course's own
  explorers
  (for these, "update->DOM" is negative: the slider's own readout changes before any message)

The page's WebSocket is wrapped (send and message events stamped, message type read from the
header), so each press is split into: keydown -> send (browser input and widget model), send ->
kernel (server and ZMQ; the kernel stamps its time into label/html values), kernel -> message
arrival, arrival -> DOM change (widget view), DOM change -> painted (image decode, then a frame).
Variants are pages on one Lab whose kernel WebSocket class (tools/lab_session.NoDelayWebsocketConnection)
sets TCP_NODELAY unless the page asks otherwise: `nagle` is jupyter_server's default (Nagle on),
`nodelay` with it off; `-noecho` turns off ipywidgets' echo_update in that page's kernel;
`nagle-switch` shortens the kernel's GIL switch interval. An explorer (or an answer box) stops the
kernel's "busy" status for widget messages (scalecheck.core.kernel_status), so in `nagle` the cases
after an ex-* case's cell has run are quiet too: `nagle-busy` keeps ipykernel's statuses for every
case, and `nagle-quiet` turns them off before any case. They are measured press by press in
turn, so that the machine's load falls on each alike. Results: docs/benchmarks.md.
A measurement tool, not a test: it prints the load average beside every figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import nbformat  # noqa: E402
from lab_session import CHROMIUM_ARGS, CourseLab, clone, prepare_venv  # noqa: E402

SERVER_ARGS = ["--ServerApp.kernel_websocket_connection_class=tools.lab_session.NoDelayWebsocketConnection"]

SETUP = r'''
import time, zlib, struct
import numpy as np
import ipywidgets as widgets
from scalecheck.ui.widgets import encode_png

def _png(kilobytes, seed, width=650, height=300):
    """A white 650 x 300 RGBA PNG whose first rows are noise, about `kilobytes` kB in all."""
    pixels = np.full((height, width, 4), 255, dtype=np.uint8)
    rows = max(1, int(kilobytes * 1000 / (width * 3)))
    noise = np.random.default_rng(seed).integers(0, 256, size=(min(rows, height), width, 3), dtype=np.uint8)
    pixels[: len(noise), :, :3] = noise
    return encode_png(pixels.tobytes(), width, height)

def _case(name, target, on_value=None, link=False):
    slider = widgets.IntSlider(value=500, min=0, max=1000, description=name)
    if link:
        widgets.jsdlink((slider, "value"), (target, "value"))
    else:
        slider.observe(lambda change: on_value(change["new"]), names="value")
    target.add_class("probe-target")
    box = widgets.VBox([slider, target])
    box.add_class("probe-case")
    box.add_class("probe-" + name.replace("+", "-"))
    return box

def _stamp(value):
    return f"{value} k_in={time.time() * 1000:.3f}"
'''

# Two 200-point curves on a log x axis and fixed y axis, about an explorer's figure (650 x 300 px): a key
# press sends the curves' new y values, and the page redraws their SVG paths (bqplot's d3 views).
_BQPLOT = (
    "import bqplot as _bq\n"
    "_bq_x = np.geomspace(1e18, 1e26, 200)\n"
    "_bq_sx, _bq_sy = _bq.LogScale(), _bq.LinearScale(min=0.0, max=4.0)\n"
    "_bq_lines = [_bq.Lines(x=_bq_x, y=np.full(200, 2.0), scales={'x': _bq_sx, 'y': _bq_sy}, colors=[c])"
    " for c in ('#1f77b4', '#ff7f0e')]\n"
    "_bq_figure = _bq.Figure(marks=_bq_lines, axes=[_bq.Axis(scale=_bq_sx, label='compute (FLOP)'),"
    " _bq.Axis(scale=_bq_sy, orientation='vertical', label='loss')], animation_duration=0,"
    " layout=widgets.Layout(width='650px', height='300px'))\n"
    "def _bq_update(v):\n"
    "    with _bq_lines[0].hold_sync(), _bq_lines[1].hold_sync():\n"
    "        _bq_lines[0].y = 1.7 + (v / 400) * (_bq_x / 1e18) ** -0.05\n"
    "        _bq_lines[1].y = 1.5 + (v / 300) * (_bq_x / 1e18) ** -0.08\n"
)

CASES = {
    "jslink": "_case('jslink', widgets.HTML('500'), link=True)",
    "label": "_label = widgets.Label('500')\n_case('label', _label, lambda v: setattr(_label, 'value', _stamp(v)))",
    "html": (
        "_html = widgets.HTML('500')\n"
        "_case('html', _html, lambda v: setattr(_html, 'value', "
        "f'<div style=\"font-family:monospace\">{_stamp(v)}</div>'))"
    ),
    "htmlmath": (
        "_math = widgets.HTMLMath('500')\n"
        "_case('htmlmath', _math, lambda v: setattr(_math, 'value', "
        "f'<div style=\"font-family:monospace\">{_stamp(v)}</div>'))"
    ),
    "image5": "_p5 = [_png(5, s) for s in (1, 2)]\n_i5 = widgets.Image(value=_p5[0], format='png')\n"
    "_case('image5', _i5, lambda v: setattr(_i5, 'value', _p5[v % 2]))",
    "image20": "_p20 = [_png(20, s) for s in (1, 2)]\n_i20 = widgets.Image(value=_p20[0], format='png')\n"
    "_case('image20', _i20, lambda v: setattr(_i20, 'value', _p20[v % 2]))",
    "image40": "_p40 = [_png(40, s) for s in (1, 2)]\n_i40 = widgets.Image(value=_p40[0], format='png')\n"
    "_case('image40', _i40, lambda v: setattr(_i40, 'value', _p40[v % 2]))",
    "url20": "import base64\n_u20 = [b'data:image/png;base64,' + base64.b64encode(p) for p in _p20]\n"
    "_iu20 = widgets.Image(value=_u20[0], format='url')\n"
    "_case('url20', _iu20, lambda v: setattr(_iu20, 'value', _u20[v % 2]))",
    "url40": "import base64\n_u40 = [b'data:image/png;base64,' + base64.b64encode(p) for p in _p40]\n"
    "_iu40 = widgets.Image(value=_u40[0], format='url')\n"
    "_case('url40', _iu40, lambda v: setattr(_iu40, 'value', _u40[v % 2]))",
    **{
        f"ex-{name.split('.')[1]}": (
            f"from scalecheck.ui.explorers import all_explorers as _all\n_e = _all()[{name!r}]()\n"
            f"_e.widget.add_class('probe-target')\n_b = widgets.VBox([_e.widget])\n_b.add_class('probe-case')\n"
            f"_b.add_class('probe-ex-{name.split('.')[1]}')\n_b"
        )
        for name in ("lesson09.definitions", "lesson07.data_wall", "lesson10.scenario", "lesson03.training_run",
                     "lesson08.passk", "lesson02.power")
    },
    # client-side drawing (bqplot, d3 SVG in the page): not a course dependency, so this case needs
    # `pip install bqplot` in the probe's SCALECHECK_VENV (a separate venv: see docs/benchmarks.md)
    "readout+bqplot": (
        _BQPLOT + "_bqr = widgets.HTML('500')\n"
        "def _bq_both(v):\n    _bqr.value = f'<div style=\"font-family:monospace\">{_stamp(v)}</div>'\n"
        "    _bq_update(v)\n"
        "_case('readout+bqplot', widgets.VBox([_bqr, _bq_figure]), _bq_both)"
    ),
    "readout+image20": (
        "_p20 = [_png(20, s) for s in (1, 2)]\n"
        "_r = widgets.HTML('500')\n_ri = widgets.Image(value=_p20[0], format='png')\n"
        "def _both(v):\n    _r.value = f'<div style=\"font-family:monospace\">{_stamp(v)}</div>'\n"
        "    _ri.value = _p20[v % 2]\n"
        "_case('readout+image20', widgets.VBox([_r, _ri]), _both)"
    ),
}

# Installed before any page script: stamps every kernel WebSocket send and message arrival.
WS_HOOK = r"""
(() => {
  const log = [];
  window.__wslog = log;
  const head = (data) => {
    let text = '';
    if (typeof data === 'string') text = data.slice(0, 4000);
    else if (data instanceof ArrayBuffer) text = new TextDecoder('utf-8', {fatal: false}).decode(
        new Uint8Array(data, 0, Math.min(4000, data.byteLength)));
    const pick = (re) => { const m = text.match(re); return m ? m[1] : ''; };
    return {type: pick(/"msg_type":\s*"(\w+)"/), state: pick(/"execution_state":\s*"(\w+)"/),
            method: pick(/"method":\s*"(\w+)"/), stamp: pick(/k_in=([0-9.]+)/),
            size: typeof data === 'string' ? data.length : (data.byteLength || data.size || 0)};
  };
  const Native = window.WebSocket;
  const send = Native.prototype.send;
  Native.prototype.send = function (data) {
    if (String(this.url).includes('/channels')) log.push({t: performance.now(), dir: 'out', ...head(data)});
    return send.call(this, data);
  };
  class Stamped extends Native {
    constructor(...args) {
      if (window.__wsQuery && String(args[0]).includes('/channels')) args[0] = String(args[0]) + '&' + window.__wsQuery;
      super(...args);
      if (String(args[0]).includes('/channels')) {
        this.addEventListener('message', (e) => log.push({t: performance.now(), dir: 'in', ...head(e.data)}));
      }
    }
  }
  window.WebSocket = Stamped;
})();
"""

# Per press: keydown stamp (capture phase), DOM changes of the case's target, each painted after
# (for an image) its decode and then a frame and a task.
PRESS_PROBE = r"""
(name) => {
  const root = document.querySelector('.probe-' + name.replace('+', '-'));
  const target = root.querySelector('.probe-target');
  const state = {pressed: null, mutations: [], painted: [], decoded: [], loaded: [], loadPainted: [],
                 last: performance.now()};
  window.__press = state;
  window.__wslog.length = 0;
  document.addEventListener('keydown', () => { if (state.pressed === null) state.pressed = performance.now(); },
                            {capture: true, once: true});
  const observer = new MutationObserver(async (records) => {
    const now = performance.now();
    state.mutations.push(now); state.last = now;
    // which DOM changes came (an image's src, an SVG path's d, text): printed with --examples
    state.kinds = (state.kinds || []).concat(
      records.map((r) => `${r.type}:${r.target.tagName}:${r.attributeName || ''}`));
    const images = records.filter((r) => r.target.tagName === 'IMG').map((r) => r.target);
    for (const image of images) {
      // 'load' (the blob fetched), then decode() resolved: both stamped, the paint counted after decode()
      const loaded = image.complete ? Promise.resolve() : new Promise((done) => {
        image.addEventListener('load', done, {once: true}); image.addEventListener('error', done, {once: true}); });
      loaded.then(() => {
        state.loaded.push(performance.now());
        requestAnimationFrame(() => setTimeout(() => state.loadPainted.push(performance.now()), 0));
      });
      try { await image.decode(); } catch (e) {}
      state.decoded.push(performance.now());
    }
    await new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0)));
    state.painted.push(performance.now()); state.last = performance.now();
  });
  observer.observe(target, {attributes: true, attributeFilter: ['src', 'd'], childList: true, subtree: true,
                            characterData: true});
  state.stop = () => observer.disconnect();
  return performance.timeOrigin;
}
"""


def probe_notebook(path: Path, cases: list[str], setup: str = "") -> None:
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    notebook.cells = [nbformat.v4.new_code_cell(SETUP + setup)] + [nbformat.v4.new_code_cell(CASES[c]) for c in cases]
    nbformat.write(notebook, path)


def _median(values: list[float]) -> float:
    values = [v for v in values if v == v]
    return statistics.median(values) if values else float("nan")


def _p95(values: list[float]) -> float:
    ordered = sorted(v for v in values if v == v)
    return ordered[min(len(ordered) - 1, int(round(0.95 * (len(ordered) - 1))))] if ordered else float("nan")


PARTS = (
    "total",
    "keydown_to_send",
    "send_to_busy",
    "send_to_update",
    "send_to_kernel",
    "kernel_to_update",
    "update_to_mutation",
    "mutation_to_painted",
    "mutation_to_load",
    "load_to_decoded",
    "load_to_painted",
    "cdp_to_keydown",
    "press_call",
)
_KEEP_BUSY = "from scalecheck.core import kernel_status as _ks; _ks.QUIET_BUSY = False"
_NO_ECHO = "import ipywidgets.widgets.widget as _w; _w.JUPYTER_WIDGETS_ECHO = False"
_QUIET_BUSY = "from scalecheck.core.kernel_status import quiet_busy_for_widget_messages as _q; _q()"
# Page variants on one Lab (its kernel WebSocket class honours ?scalecheck_nodelay=0), measured press by
# press in turn so that the machine's load falls on each alike: (query added to the WebSocket URL,
# code run in the variant's kernel before the cases).
VARIANTS = {
    "nagle": ("scalecheck_nodelay=0", ""),
    "nodelay": ("", ""),
    "nagle-noecho": ("scalecheck_nodelay=0", _NO_ECHO),
    "nodelay-noecho": ("", _NO_ECHO),
    # the kernel's main thread hands the GIL to its IOPub thread sooner (default switch interval 5 ms)
    "nagle-switch": ("scalecheck_nodelay=0", "import sys; sys.setswitchinterval(0.0005)"),
    # ipykernel's own status messages: "busy" before each widget message too (explorers leave it on)
    "nagle-busy": ("scalecheck_nodelay=0", _KEEP_BUSY),
    # the course's kernel_status from the start: no "busy" for a widget's comm message in any case
    "nagle-quiet": ("scalecheck_nodelay=0", _QUIET_BUSY),
    "nagle-quiet-noecho": ("scalecheck_nodelay=0", _QUIET_BUSY + "\n" + _NO_ECHO),
}


def press_once(page, name: str, up: bool, quiet_ms: float = 300.0) -> dict | None:
    """One arrow key on the case's slider; its parts in ms (None if nothing was painted)."""
    page.locator(f".probe-{name.replace('+', '-')} .noUi-handle").first.focus()
    origin = page.evaluate(PRESS_PROBE, name)
    before_ms = time.time() * 1000
    started = time.perf_counter()
    page.keyboard.press("ArrowRight" if up else "ArrowLeft")
    press_call = (time.perf_counter() - started) * 1000
    try:
        page.wait_for_function(
            "() => window.__press.painted.length > 0"
            " && window.__press.painted.length === window.__press.mutations.length"
            f" && performance.now() - window.__press.last > {quiet_ms}",
            timeout=10_000,
            polling=50,
        )
    except Exception:
        page.evaluate("() => window.__press.stop()")
        return None
    state = page.evaluate(
        "() => { window.__press.stop(); const s = window.__press;"
        " return {pressed: s.pressed, mutations: s.mutations, painted: s.painted, decoded: s.decoded,"
        " loaded: s.loaded, loadPainted: s.loadPainted, kinds: s.kinds || [], log: [...window.__wslog]}; }"
    )
    if state["pressed"] is None:
        return None
    pressed, log = state["pressed"], state["log"]
    sends = [e for e in log if e["dir"] == "out" and e["type"] == "comm_msg"]
    ins = [e for e in log if e["dir"] == "in"]
    updates = [e for e in ins if e["type"] == "comm_msg" and e["method"] == "update"]
    busy = [e for e in ins if e["state"] == "busy"]
    send_t = sends[0]["t"] if sends else float("nan")
    nan = float("nan")
    stamped = [e for e in updates if e["stamp"]]
    kernel_ms = float(stamped[0]["stamp"]) - origin if stamped else nan  # the kernel's clock on the page's line
    parts = {
        "total": max(state["painted"]) - pressed,
        "keydown_to_send": send_t - pressed,
        "send_to_busy": (busy[0]["t"] if busy else nan) - send_t,
        "send_to_update": (updates[-1]["t"] if updates else nan) - send_t,
        "send_to_kernel": kernel_ms - send_t,
        "kernel_to_update": (stamped[0]["t"] if stamped else nan) - kernel_ms,
        "update_to_mutation": state["mutations"][0] - (updates[0]["t"] if updates else pressed),
        "mutation_to_painted": max(state["painted"]) - max(state["mutations"]),
        "mutation_to_load": (max(state["loaded"]) - max(state["mutations"])) if state["loaded"] else nan,
        "load_to_decoded": (max(state["decoded"]) - max(state["loaded"])) if state["loaded"] else nan,
        "load_to_painted": (max(state["loadPainted"]) - max(state["loaded"])) if state["loadPainted"] else nan,
        "cdp_to_keydown": origin + pressed - before_ms,
        "press_call": press_call,
    }
    sequence = []
    for entry in log:
        label = (
            entry["type"]
            + (f":{entry['state']}" if entry["state"] else "")
            + (f":{entry['method']}" if entry["method"] else "")
        )
        sequence.append(f"{entry['dir']} {label} {entry['t'] - pressed:.0f}ms {entry['size']}B")
    parts["sequence"] = " | ".join(sequence) + " || DOM: " + " ".join(sorted(set(state["kinds"])))
    return parts


def measure_case(pages: dict, name: str, presses: int) -> list[dict]:
    """`presses` measured presses per variant page (after two unmeasured), the variants taking turns."""
    found: dict[str, list[dict]] = {variant: [] for variant in pages}
    loads = []
    order = list(pages)
    for press in range(presses + 2):
        loads.append(os.getloadavg()[0])
        for variant in order if press % 2 == 0 else reversed(order):
            parts = press_once(pages[variant], name, up=press % 2 == 0)
            if parts is not None and press >= 2:
                found[variant].append(parts)
    rows = []
    for variant, measured in found.items():
        row = {"variant": variant, "case": name, "n": len(measured), "load": statistics.median(loads)}
        for key in PARTS:
            row[key] = _median([m[key] for m in measured])
        row["p95"] = _p95([m["total"] for m in measured])
        row["example"] = measured[len(measured) // 2]["sequence"] if measured else ""
        rows.append(row)
    return rows


def run(variants: list[str], cases: list[str], presses: int) -> list[dict]:
    from benchmark import _menu, _wait_idle
    from playwright.sync_api import sync_playwright

    chromium = Path(os.environ.get("SCALECHECK_CHROMIUM", "/usr/bin/chromium"))
    rows = []
    with tempfile.TemporaryDirectory(prefix="latency-probe-") as folder:
        course = clone(Path(folder) / "course")
        (course / "bench").mkdir()
        with CourseLab(course, Path(folder) / "home", SERVER_ARGS) as lab, sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
            pages = {}
            for variant in variants:
                query, setup = VARIANTS[variant]
                probe_notebook(course / "bench" / f"probe-{variant}.ipynb", cases, setup)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.set_default_timeout(60_000)
                page.add_init_script(f"window.__wsQuery = {query!r};\n" + WS_HOOK)
                page.goto(f"{lab.base}/lab/workspaces/{variant}/tree/bench/probe-{variant}.ipynb?token={lab.token}")
                _wait_idle(page)
                _menu(page, "Run", "Run All Cells")
                try:
                    page.locator(".probe-case").nth(len(cases) - 1).wait_for(timeout=120_000)
                except Exception:
                    page.screenshot(path=str(ROOT / "tests" / "artifacts" / f"latency-probe-{variant}.png"))
                    print(lab.log_path.read_text()[-3000:])
                    raise
                _wait_idle(page)
                pages[variant] = page
            pages[variants[0]].wait_for_timeout(1000)
            for name in cases:
                for row in measure_case(pages, name, presses):
                    rows.append(row)
                    print(
                        f"  [{row['variant']}] {name}: total median {row['total']:.1f} ms, p95 {row['p95']:.1f} ms "
                        f"(n={row['n']}, load {row['load']:.2f})",
                        flush=True,
                    )
            browser.close()
    return rows


COLUMNS = [
    ("total", "total"),
    ("p95", "p95"),
    ("keydown_to_send", "keydown->send"),
    ("send_to_busy", "send->busy"),
    ("send_to_kernel", "send->kernel"),
    ("kernel_to_update", "kernel->update"),
    ("send_to_update", "send->last update"),
    ("update_to_mutation", "update->DOM"),
    ("mutation_to_painted", "DOM->painted"),
    ("mutation_to_load", "DOM->img load"),
    ("load_to_decoded", "load->decode()"),
    ("load_to_painted", "load->frame"),
    ("cdp_to_keydown", "CDP->keydown"),
    ("press_call", "press() call"),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--presses", type=int, default=15)
    parser.add_argument("--variants", nargs="*", default=["nagle", "nodelay"], choices=list(VARIANTS))
    parser.add_argument("--cases", nargs="*", default=list(CASES), choices=list(CASES))
    parser.add_argument("--markdown", action="store_true")
    parser.add_argument("--examples", action="store_true", help="print one press's WebSocket sequence per case")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M %Z')}; load average {' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    prepare_venv()
    rows = run(args.variants, args.cases, args.presses)
    header = ["variant", "case", "n"] + [title for _, title in COLUMNS] + ["load"]
    lines = []
    for row in rows:
        lines.append(
            [row["variant"], row["case"], str(row["n"])]
            + [f"{row[key]:.1f}" for key, _ in COLUMNS]
            + [f"{row['load']:.2f}"]
        )
    print("\nmedians in ms (p95 of the total); median load average during the case")
    if args.markdown:
        print("| " + " | ".join(header) + " |\n|" + "---|" * len(header))
        for line in lines:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(x) for x in col) for col in zip(header, *lines)]
        for line in [header] + lines:
            print("  ".join(cell.ljust(width) for cell, width in zip(line, widths)))
    if args.examples:
        print()
        for row in rows:
            print(f"[{row['variant']}] {row['case']}: {row['example']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
