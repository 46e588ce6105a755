"""Shared pytest set-up for tests/, lessons/ and solutions/.

Solutions notebooks run in strict mode: a solution whose answer is not judged
correct raises, so a passing run proves every solution passes its own check.
Kernels inherit this process's environment.

Speed (issue 16 target 4): each notebook is executed once per run, in a background
process two at a time (tests/notebook_runs.py), and shared:

- ``--nbval-once`` tests the notebooks of lessons/ and solutions/ given as paths the
  way ``--nbval-lax`` does (one test per code cell; a cell fails on an error, and a
  cell tagged ``nbval-check-output`` fails when its sanitised outputs differ from the
  stored ones, by nbval's own comparison), from that one execution. `course.py test`
  uses it; ``--nbval-lax`` still works on its own (one notebook at a time, nbval's kernel).
- the build check (answer keys), the blank exercise runs and the site build read the
  same executions (marker ``notebook_runs``).
- quick tests run first, while the notebooks execute; browser tests run last.

Under xdist (`course.py test` runs ``-n 2 --dist loadgroup``) the controller process starts
the one runner when a worker names the notebooks its collected tests need (both workers
collect the same tests), and the workers read its folder; each module in XDIST_GROUPS runs
on one worker, so its JupyterLab or graded corpus is made once; the long groups go first
and the many short tests last, so both workers stay busy to the end.

``-m "not slow"`` is the inner loop: ``SLOW`` below names the tests measured at more
than about 2 s, and every notebook cell and browser test is slow.
"""
from __future__ import annotations

import fnmatch
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

# jsonschema (under nbformat) imports rfc3987_syntax for its "iri" format checks, which builds a
# parser at import: ~3 s of CPU in every process, a twentieth of the inner loop. Nothing here
# checks IRIs, so this process (not the kernels or the course's commands) goes without it.
sys.modules.setdefault("rfc3987_syntax", None)
# nbval imports nbformat: pyproject.toml's addopts stop its automatic loading (-p no:nbval), and it is
# loaded here instead, after the line above; --nbval-lax and its options work as before.
pytest_plugins = ["nbval.plugin"]

import pytest  # noqa: E402

os.environ["SCALECHECK_STRICT"] = "1"
os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tests"))
import notebook_runs  # noqa: E402

FOLDER_KIND = {"lessons": "lesson", "solutions": "solution", "exercises": "exercise"}
KIND_FOLDER = {kind: folder for folder, kind in FOLDER_KIND.items()}
# Run after everything else, in this order: they use a browser (and, being heavy, want
# the notebook executions finished). Every other module keeps its place.
LAST_MODULES = ("tests/test_site.py", "tests/test_browser.py", "tests/test_browser_answers.py",
                "tests/test_journeys.py")
# Under xdist (-n 2 --dist loadgroup), the tests of each module below run on one worker, so its module and
# session fixtures (a JupyterLab, a Chromium, a graded corpus, a release) start once per run, not once per
# worker. The sandboxed gradings may run side by side: test_grading's leftover checks look only at its own
# run (uids no grader holds, its own temporary folder). XDIST_FIRST is the order the groups are handed out,
# longest first (seconds measured 2026-11-30 in a whole run at load ~5: the hostile corpus ~150, browser ~100,
# journeys ~100, site ~55 (it waits for the lessons' runs), term ~30, variants ~30, the rest < 15).
XDIST_GROUPS = {
    "tests/test_grading.py": "grading", "tests/test_journeys.py": "journeys",
    "tests/test_browser.py": "browser", "tests/test_browser_answers.py": "browser",
    "tests/test_site.py": "site", "tests/test_classroom_term.py": "term", "tests/test_variants.py": "variants",
    "tests/test_shard.py": "shard", "tests/test_distribution.py": "distribution", "tests/test_launcher.py": "launcher",
}
XDIST_FIRST = ("grading", "browser", "journeys", "site", "term", "variants", "shard", "distribution", "launcher")
# Tests measured at more than ~2 s (node ids, * as in fnmatch): `pytest tests -m "not slow" --durations=0
# --durations-min=1` on 2026-11-30 with load average ~10 (about 3.5x an idle machine), everything at >= 2 s
# there. Whole modules where kernels, sandboxes or module fixtures dominate. Also slow: every test marked
# notebook_runs (it waits for notebooks to execute) and every notebook cell.
SLOW = (
    "tests/test_browser.py::*", "tests/test_browser_answers.py::*", "tests/test_journeys.py::*",
    "tests/test_notebook_runs.py::*",
    "tests/test_grading.py::*", "tests/test_classroom.py::*", "tests/test_classroom_term.py::*",
    "tests/test_variants.py::*", "tests/test_shard.py::*", "tests/test_persistence.py::*",
    "tests/test_distribution.py::*",
    "tests/test_fuzz_checks.py::test_widget_handler_never_raises",
    "tests/test_fuzz_checks.py::test_saved_answers_is_total",
    "tests/test_fuzz_checks.py::test_no_check_raises",
    "tests/test_explorers_late.py::test_every_builder_builds_and_answers_its_first_control*",
    "tests/test_explorers_late.py::test_lesson10_scenario_bad_input_gives_a_readout*",
    "tests/test_explorers_late.py::test_lesson08_passk_bad_input_gives_a_readout*",
    "tests/test_explorers_early.py::test_every_builder_builds_and_updates*",
    "tests/test_explorers_early.py::test_allocator_bad_input_is_a_readout*",
    "tests/test_scaling.py::test_fit_of_the_chinchilla_points_reproduces_the_replication",
    "tests/test_scaling.py::test_bootstrap_is_seeded_and_matches_published_standard_errors",
    "tests/test_scaling.py::test_warm_started_bootstrap_finds_the_grid_minimum",
    "tests/test_scaling.py::test_fit_recovers_known_constants_from_synthetic_data",
    "tests/test_forecasts.py::test_brier_grid_matches_direct_scores",
    "tests/test_trends.py::test_total_and_yearly_factor_round_trip",
    "tests/test_exercises.py::test_huge_and_future_histories_are_bounded",
    "tests/test_blitfigure.py::test_the_fast_path_matches_a_full_redraw",
    "tests/test_blitfigure.py::test_changing_static_parts_needs_redraw_all",
    "tests/test_blitfigure.py::test_views_keep_their_own_backgrounds",
    "tests/test_build_map.py::test_clean_drops_figures_widget_state_and_timings_but_keeps_text",
    "tests/test_build_map.py::test_committed_course_map_is_current",
    "tests/test_launcher.py::test_handout_exercises_are_generated_afresh_not_the_working_copy",
    "tests/test_launcher.py::test_release_from_a_checkout_with_typed_answers_does_not_say_regenerate",
    "tests/test_grader_units.py::test_a_grading_kernel_runs_code_without_a_debugger",
    "tests/test_grader_units.py::test_a_kernel_that_answers_garbage_leaves_no_traceback_for_the_teacher",
    "tests/test_build_map.py::test_reading_the_kernels_language_info_leaves_the_comm_package_alone",
)


# ---------------------------------------------------------------------------
# Options and markers


def pytest_addoption(parser):
    parser.addoption("--nbval-once", action="store_true",
                     help="test the notebooks of lessons/ and solutions/ as --nbval-lax does, from one shared "
                          "execution per notebook (tests/notebook_runs.py)")
    parser.addoption("--notebook-workers", type=int, default=int(os.environ.get("SCALECHECK_NOTEBOOK_WORKERS", "2")),
                     help="notebooks executed at once by the shared runner (default 2)")


def pytest_configure(config):
    if config.getoption("nbval_once") and (config.option.nbval or config.option.nbval_lax):
        raise pytest.UsageError("--nbval-once replaces nbval's own execution: give it or --nbval/--nbval-lax, not both")
    if config.getoption("nbval_once") and not config.option.nbval_sanitize_with:
        config.option.nbval_sanitize_with = str(ROOT / "tests" / "nbval_sanitize.cfg")
    config.notebook_runs = SharedRuns(config)
    if _xdist_controller(config):
        config.pluginmanager.register(XdistController(), "scalecheck-xdist-controller")
        config.notebook_runs.serve()  # the workers say which notebooks they need; the runner starts here


class XdistController:
    """xdist's hooks, registered only when xdist distributes this run (an unknown hook name is an error)."""

    def pytest_configure_node(self, node):
        """Tell a worker where the run's one notebook runner writes its results."""
        node.workerinput["scalecheck_notebook_runs"] = str(node.config.notebook_runs.folder())

    @pytest.hookimpl(tryfirst=True)  # before xdist's own choice
    def pytest_xdist_make_scheduler(self, config, log):
        """--dist loadgroup: the modules of XDIST_GROUPS as groups, handed out in the workers' collection order.

        xdist 3.8's own loadgroup marks a group by appending "@group" to the node id, which pytest 9.2's
        structured node ids ignore (pytest-dev/pytest-xdist#1386, fix not released): every test would be
        scheduled alone and each worker would start its own JupyterLab and grade the hostile corpus itself."""
        if config.getvalue("dist") != "loadgroup":
            return None
        from xdist.scheduler import LoadScopeScheduling

        class ModuleGroups(LoadScopeScheduling):
            def _split_scope(self, nodeid: str) -> str:
                module = nodeid.split("::", 1)[0]
                return XDIST_GROUPS.get(module) or module

        config.option.loadscopereorder = False  # xdist would sort the groups by test count, not by their cost
        return ModuleGroups(config, log)


def pytest_unconfigure(config):
    runs = getattr(config, "notebook_runs", None)
    if runs is not None:
        runs.close()


# ---------------------------------------------------------------------------
# The shared executions


class SharedRuns:
    """The background runner and its results: one JSON file per executed notebook."""

    def __init__(self, config):
        self.config = config
        self.out: Path | None = None
        self.process: subprocess.Popen | None = None
        self.planned: set[tuple[str, Path]] = set()
        self.lock = threading.Lock()
        # under xdist (-n) the controller owns the runner and the folder; each worker reads the folder
        workerinput = getattr(config, "workerinput", None)
        self.shared = workerinput is not None and "scalecheck_notebook_runs" in workerinput
        if self.shared:
            self.out = Path(workerinput["scalecheck_notebook_runs"])
        self.stop = threading.Event()
        self.waiter: threading.Thread | None = None

    def folder(self) -> Path:
        if self.out is None:
            self.out = Path(tempfile.mkdtemp(prefix="scalecheck-notebook-runs-"))
        return self.out

    def start(self, jobs: list[tuple[str, Path]]) -> None:
        """Start executing these notebooks in the background, in this order."""
        jobs = [job for job in dict.fromkeys(jobs) if job not in self.planned]
        if self.shared:
            # an xdist worker: every worker collected the same items, so each names the same jobs; the
            # controller starts the runner on the first list it sees (serve) and the others wait for its files
            self.planned.update(jobs)
            _write_atomic(self.folder() / JOBS_FILE, json.dumps([[kind, str(path)] for kind, path in jobs]))
            return
        if not jobs or self.process is not None:
            return
        self.planned.update(jobs)
        out = self.folder()
        self.log = open(out / "runner.log", "w")
        command = [sys.executable, str(ROOT / "tests" / "notebook_runs.py"), str(out),
                   "--workers", str(max(1, self.config.getoption("notebook_workers")))]
        command += [f"{kind}:{path}" for kind, path in jobs]
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True)

    def serve(self) -> None:
        """(xdist controller) Start the runner when a worker writes the jobs its collection needs."""
        def wait_for_jobs():
            jobs_file = self.folder() / JOBS_FILE
            while not self.stop.wait(0.2):
                if jobs_file.exists():
                    jobs = [(kind, Path(path)) for kind, path in json.loads(jobs_file.read_text(encoding="utf-8"))]
                    with self.lock:  # not after close() has begun: the runner would outlive the run
                        if not self.stop.is_set():
                            self.start(jobs)
                    break
            if self.process is not None:
                code = self.process.wait()
                _write_atomic(self.folder() / RUNNER_EXIT, str(code))

        self.waiter = threading.Thread(target=wait_for_jobs, name="notebook-runs", daemon=True)
        self.waiter.start()

    def _runner_stopped(self) -> bool:
        if self.shared:
            return (self.folder() / RUNNER_EXIT).exists()
        return self.process is not None and self.process.poll() is not None

    def result(self, kind: str, path: Path) -> dict:
        """The execution of one notebook: waits for the runner, or runs it here if it was not planned."""
        path = Path(path).resolve()
        out = self.folder()
        target = out / notebook_runs.result_name(kind, path)
        if (kind, path) not in self.planned:
            with self.lock:
                if not target.exists():
                    notebook_runs._safe_run_one(kind, str(path), str(out))
        while not target.exists():
            if self._runner_stopped() and not target.exists():
                log = (out / "runner.log").read_text(errors="replace")[-3000:]
                raise RuntimeError(f"the notebook runner stopped before {path.name} ({kind}) was run:\n{log}")
            time.sleep(0.2)
        return json.loads(target.read_text(encoding="utf-8"))

    def key(self, path: Path) -> dict | None:
        """The answer key a solution's shared run wrote, if that run had no error at all."""
        run = self.result("solution", path)
        if run["failure"] or any(o["output_type"] == "error" for outs in run["raw"].values() for o in outs):
            return None  # the caller builds the key on its own, not strict, as build.py does
        written = self.folder() / notebook_runs.key_name(Path(path))
        return json.loads(written.read_text(encoding="utf-8")) if written.is_file() else None

    def executed_lessons(self, paths: list[Path]) -> Path | None:
        """A folder of lessons executed without any error (with widget state), for the site build."""
        folder = self.folder() / "site-lessons"
        folder.mkdir(exist_ok=True)
        for path in paths:
            run = self.result("lesson", path)
            clean = not run["failure"] and not any(
                o["output_type"] == "error" for outs in run["raw"].values() for o in outs)
            if not clean:
                return None  # the site executes the lessons itself and reports the error as it always did
            _write_atomic(folder / Path(path).name, json.dumps(run["notebook"]))  # workers may share the folder
        return folder

    def close(self) -> None:
        if self.shared:
            return  # the controller stops the runner and removes the folder
        with self.lock:
            self.stop.set()
        if self.process is not None and self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.process.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.waiter is not None:
            self.waiter.join(timeout=15)
        if self.process is not None:
            self.log.close()
        if self.out is not None:
            shutil.rmtree(self.out, ignore_errors=True)


JOBS_FILE = "jobs.json"  # (xdist) the notebooks the workers' tests need, for the controller's runner
RUNNER_EXIT = "runner.exit"  # (xdist) written by the controller when its runner has stopped


def _write_atomic(path: Path, text: str) -> None:
    partial = path.with_name(f"{path.name}.{os.getpid()}.partial")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)  # a reader never sees half a file


def _xdist_worker(config) -> bool:
    return hasattr(config, "workerinput")


def _xdist_controller(config) -> bool:
    """True in the process that hands tests to xdist workers (`-n 2`); false without -n and in a worker."""
    return (not _xdist_worker(config) and getattr(config.option, "dist", "no") != "no"
            and bool(getattr(config.option, "tx", None)) and not config.option.collectonly)


@pytest.fixture(scope="session")
def notebook_runs_shared(pytestconfig) -> SharedRuns:
    """The shared notebook executions (see SharedRuns)."""
    return pytestconfig.notebook_runs


def notebook_paths(kind: str, stems=()) -> list[Path]:
    paths = sorted((ROOT / KIND_FOLDER[kind]).glob("[0-9][0-9]_*.ipynb"))
    return [p.resolve() for p in paths if not stems or p.stem in stems or p.stem[:2] in stems]


# ---------------------------------------------------------------------------
# nbval's checks on the shared executions


def pytest_collect_file(file_path, parent):
    config = parent.config
    if (config.getoption("nbval_once") and file_path.suffix == ".ipynb"
            and FOLDER_KIND.get(file_path.parent.name) in ("lesson", "solution")):
        return SharedNotebook.from_parent(parent, path=file_path)
    return None


def _nbval():
    from nbval import plugin

    return plugin


class SharedNotebook(_nbval().IPyNbFile):
    """nbval's collector for one notebook (one item per code cell, --nbval-lax), without a kernel of its own."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.compare_outputs = False  # lax: only cells tagged nbval-check-output compare their outputs
        self.kind = FOLDER_KIND[Path(self.path).parent.name]
        self.run = None

    def collect(self):
        for item in super().collect():
            yield SharedCell.from_parent(self, name=item.name, cell_num=item.cell_num, cell=item.cell,
                                         options=item.options)

    def setup(self):
        self.setup_sanitize_files()
        self.run = self.config.notebook_runs.result(self.kind, Path(self.path))
        self.code_cells = [i for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]

    def teardown(self):
        self.run = None


class SharedCell(_nbval().IPyNbCell):
    """One code cell, judged as nbval.plugin.IPyNbCell.runtest judges it, from the shared execution."""

    def runtest(self):
        plugin = _nbval()
        if self.options["skip"]:
            pytest.skip()
        run = self.parent.run
        index = self.parent.code_cells[self.cell_num]
        failure = run["failure"]
        if failure and failure["cell"] < 0:
            self.raise_cell_error("The notebook could not be run", failure["message"])
        if failure and index > failure["cell"]:
            self.raise_cell_error(f"Not run: the notebook stopped at cell {failure['cell']} "
                                  f"({failure['message'][:200]})")
        executed = run["notebook"]["cells"][index]
        if "".join(executed["source"]) != self.cell.source:
            self.raise_cell_error("The notebook changed on disk while the tests ran; run them again")
        if failure and index == failure["cell"]:
            self.raise_cell_error("Cell did not finish", failure["message"])
        import nbformat

        outs = [nbformat.from_dict(o) for o in run["raw"].get(str(index), [])]
        errors = [o for o in outs if o.output_type == "error"]
        if errors and not self.options["check_exception"]:
            self.raise_cell_error("Cell execution caused an exception", "\n" + "\n".join(errors[0].traceback))
        outs = plugin.coalesce_streams(outs)
        unrun = self.cell.execution_count is None
        if unrun and self.cell.outputs:
            self.raise_cell_error("Unrun reference cell has outputs")
        if self.options["check"] and not unrun:
            if not self.compare_outputs(outs, plugin.coalesce_streams(self.cell.outputs)):
                self.raise_cell_error("Cell outputs differ", "\n".join(self.comparison_traceback))


# ---------------------------------------------------------------------------
# Order, slow marks, and starting the runner


def _module(item) -> str:
    return item.nodeid.split("::", 1)[0]


def _needs(item) -> list[tuple[str, Path]]:
    if isinstance(item, SharedCell):
        return [(item.parent.kind, Path(item.parent.path).resolve())]
    needs = []
    for mark in item.iter_markers("notebook_runs"):
        kind, *stems = mark.args
        needs += [(kind, path) for path in notebook_paths(kind, stems)]
    return needs


@pytest.hookimpl(tryfirst=True)  # before -m deselects: the slow marks must be on by then
def pytest_collection_modifyitems(config, items):
    def rank(item):
        module = _module(item)
        if module in LAST_MODULES:
            return 2 + LAST_MODULES.index(module)
        return 1 if isinstance(item, SharedCell) or item.get_closest_marker("notebook_runs") else 0

    def xdist_rank(item):
        group = XDIST_GROUPS.get(_module(item))
        if group is not None:
            return XDIST_FIRST.index(group)
        return len(XDIST_FIRST) + (1 if isinstance(item, SharedCell) or item.get_closest_marker("notebook_runs")
                                   else 0)

    if _xdist_worker(config):
        # xdist (course.py test: -n 2 --dist loadgroup) hands out work in this order (XdistController): the long
        # groups first, one per worker, then single quick tests, notebook tests last; the many short tests at the
        # end keep both workers busy until the run ends. Every worker sorts the same way (xdist checks).
        items.sort(key=xdist_rank)
    else:
        items.sort(key=rank)  # stable: each module keeps its own order
    for item in items:
        if (isinstance(item, SharedCell) or item.get_closest_marker("notebook_runs")
                or any(fnmatch.fnmatchcase(item.nodeid, pattern) for pattern in SLOW)):
            item.add_marker(pytest.mark.slow)


@pytest.hookimpl(tryfirst=True)
def pytest_runtestloop(session):
    """Start executing every notebook the selected tests need, in the order they need them."""
    if session.config.option.collectonly:
        return None
    jobs = [need for item in session.items for need in _needs(item)]
    session.config.notebook_runs.start(jobs)
    return None


# ---------------------------------------------------------------------------
# One browser and one JupyterLab for the whole run (they are started when a test first asks)


@pytest.fixture(scope="session")
def chromium():
    """Headless Chromium (Debian's, driven by Playwright), shared by every browser test."""
    import browser_support

    _, sync_playwright = browser_support.require_playwright()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(browser_support.CHROMIUM),
                                             args=browser_support.CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser(chromium):
    """The run's Chromium for one test; its screenshots go to tests/artifacts/."""
    (ROOT / "tests" / "artifacts").mkdir(exist_ok=True)
    return chromium


@pytest.fixture
def lab(course_lab):
    """The run's JupyterLab on a copy of the course, for one test."""
    return course_lab


@pytest.fixture(scope="session")
def course_lab(tmp_path_factory):
    """JupyterLab on a copy of lessons/ and exercises/ (tests/browser_support.py), shared by the browser tests."""
    import browser_support

    with browser_support.jupyterlab(tmp_path_factory.mktemp("lab")) as lab:
        yield lab
