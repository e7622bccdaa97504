"""How long the book takes to build and check, measured on a fresh copy of the repository.

Times, in a temporary directory:

1. a clean `make book` (empty _build: every notebook executed, the whole site written);
2. `make book` again with nothing changed;
3. the nbval run (`make test-notebooks`);
4. with --checks, also `make test-unit`, `make test-build` and `make test-browser`;

then prints each notebook's execution time as jupyter-cache recorded it during step 1 (the
build draws the sliders' precomputed frames), beside the sum of its cells' times under nbval
(which runs the slider cells with LOSSUTILS_CONTROLS=check, drawing no frame: about what a
learner's Run All in Jupyter costs, without the kernel's start).
It is a measurement, not a test: nothing fails for being slow; the goals are printed beside
the figures. Run it with any Python 3.11+ from the repository root:

    python3 benchmarks/bench_build.py                  # git clone of HEAD, own .venv
    python3 benchmarks/bench_build.py --venv .venv     # reuse an installed environment
    python3 benchmarks/bench_build.py --worktree       # the working tree, uncommitted files too

Without --venv the copy installs its own environment first (`make venv`, timed apart, since
it measures pip and the network rather than the book). With --venv, make is told the
environment is installed (INSTALLED=...), and PYTHONPATH points at the copy, so that the
notebooks import the copy's lossutils, not the one the environment was installed from (the
script checks this before timing anything).
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOALS = {"clean make book": 60.0, "make book, nothing changed": 3.0, "nbval": 45.0}

# Run with the environment's Python: the benchmark itself needs nothing but the standard library.
READ_EXECUTION_TIMES = """
import json, sys
from jupyter_cache import get_cache
records = get_cache(sys.argv[1]).list_cache_records()
print(json.dumps({r.uri: r.data.get("execution_seconds") for r in records}))
"""


def copy_repository(destination: Path, worktree: bool) -> None:
    if not worktree:
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(destination)], check=True)
        return
    # The files a commit of the working tree would contain: tracked and untracked, not ignored.
    listed = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                            cwd=REPO, check=True, capture_output=True, text=True).stdout
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():  # skips files deleted but not yet committed
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(source, destination / name)  # fresh mtimes, as after a clone


def run(step: str, command: list[str], cwd: Path, env: dict, log: Path) -> tuple[float, bool]:
    """Run `command`, appending its output to `log`; return (wall time in seconds, success)."""
    print(f"  {step}: {' '.join(command)}", flush=True)
    with log.open("a") as out:
        out.write(f"\n===== {step}: {' '.join(command)}\n")
        out.flush()
        start = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
        elapsed = time.perf_counter() - start
    if result.returncode != 0:
        tail = log.read_text(errors="replace").splitlines()[-15:]
        print(f"  {step} FAILED (exit {result.returncode}); the end of the log:\n    "
              + "\n    ".join(tail), flush=True)
    return elapsed, result.returncode == 0


def nbval_seconds_per_notebook(junit: Path) -> dict[str, float]:
    """{book/NN_slug.ipynb: summed cell times} from nbval's JUnit XML (empty if it is missing)."""
    import xml.etree.ElementTree as ElementTree

    if not junit.is_file():
        return {}
    totals: dict[str, float] = {}
    for case in ElementTree.parse(junit).iter("testcase"):
        # nbval's classname for a cell is the notebook's path with "." for "/": book.NN_slug.ipynb
        name = case.get("classname", "").replace(".", "/", 1)
        totals[name] = totals.get(name, 0.0) + float(case.get("time", 0))
    return totals


def report(times: dict[str, tuple[float, bool]]) -> None:
    print(f"\n{'step':<40} {'seconds':>8} {'goal':>6}")
    for step, (seconds, succeeded) in times.items():
        goal = f"≤ {GOALS[step]:.0f}" if step in GOALS else ""
        print(f"{step:<40} {seconds:8.1f} {goal:>6}{'' if succeeded else '  FAILED'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--venv", type=Path, help="reuse this installed environment (no pip)")
    parser.add_argument("--worktree", action="store_true",
                        help="copy the working tree (uncommitted files too), not a clone of HEAD")
    parser.add_argument("--checks", action="store_true",
                        help="also time test-unit, test-build and test-browser")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="bench_build_"))
    clone = workdir / "repo"
    clone.mkdir()
    log = workdir / "bench_build.log"
    env = dict(os.environ)
    make = ["make", "--no-print-directory"]
    try:
        copy_repository(clone, args.worktree)
        print(f"copy of {'the working tree' if args.worktree else 'HEAD'} in {clone}; log: {log}")
        load = os.getloadavg()[0]
        print(f"{os.cpu_count()} cores, load average {load:.1f} at the start"
              + (" (others are busy: expect slower figures)" if load > 0.5 else ""))

        times = {}  # step -> (seconds, succeeded)

        def must(step: str, seconds_and_success: tuple[float, bool]) -> None:
            """Record a step that later steps need; stop if it failed."""
            times[step] = seconds_and_success
            if not seconds_and_success[1]:
                report(times)
                sys.exit(f"{step} failed: see {log}")

        if args.venv:
            venv = args.venv.resolve()
            stamp = workdir / "venv-installed"
            stamp.touch()  # newer than requirements.txt: make will not reinstall
            make += [f"VENV={venv}", f"INSTALLED={stamp}"]
            env["PYTHONPATH"] = str(clone)
            found = subprocess.run(
                [str(venv / "bin" / "python"), "-c", "import lossutils; print(lossutils.__file__)"],
                cwd=workdir, env=env, check=True, capture_output=True, text=True).stdout.strip()
            if not Path(found).resolve().is_relative_to(clone):
                sys.exit(f"lossutils would come from {found}, not from the copy: refusing to time")
        else:
            must("environment (make venv; not a goal)", run("environment", make + ["venv"],
                                                            clone, env, log))
            venv = clone / ".venv"

        must("clean make book", run("clean build", make + ["book"], clone, env, log))
        must("make book, nothing changed", run("no-change build", make + ["book"], clone, env, log))
        # The checks are timed even when one fails (a failure is marked in the table).
        junit = workdir / "nbval.xml"
        times["nbval"] = run("nbval", make + ["test-notebooks"], clone,
                             {**env, "PYTEST_ADDOPTS": f"--junitxml={junit}"}, log)
        if args.checks:
            for target in ["test-unit", "test-build", "test-browser"]:
                times[f"make {target}"] = run(target, make + [target], clone, env, log)
        report(times)

        recorded = json.loads(subprocess.run(
            [str(venv / "bin" / "python"), "-c", READ_EXECUTION_TIMES,
             str(clone / "_build" / ".jupyter_cache")],
            env=env, check=True, capture_output=True, text=True).stdout)
        cells = nbval_seconds_per_notebook(junit)
        print(f"\n{'notebook':<36} {'build (frames)':>14} {'nbval cells':>12}")
        for uri, seconds in sorted(recorded.items()):
            name = Path(uri).relative_to(clone).as_posix()
            nbval = f"{cells[name]:12.1f}" if name in cells else f"{'-':>12}"
            print(f"{name:<36} {seconds:14.1f} {nbval}")
        # Notebooks run in parallel (one per core), so this exceeds their share of the build.
        print(f"{'total':<36} {sum(recorded.values()):14.1f} {sum(cells.values()):12.1f}")
    finally:
        if args.keep:
            print(f"\nkept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
