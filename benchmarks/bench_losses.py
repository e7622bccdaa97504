"""Time lossutils' losses and gradients against a naive numpy version, scipy.special and PyTorch.

Run from the repository root (after `make test` has built .venv):

    .venv/bin/python benchmarks/bench_losses.py

Each case times the loss plus its gradient, as a training step needs them, for every implementation
in the same process, and prints the median of repeated runs and lossutils' time relative to each
peer. For softmax cross-entropy it also times lu.softmax_cross_entropy_value_and_grad, which returns
the same pair from one call ("lossutils fused"), against PyTorch. PyTorch runs on the CPU with one thread (torch.set_num_threads(1)), forward plus backward
through autograd; it is skipped when not installed and is never a dependency of the book.

It also reports the larger of the two lossutils calls' peak scratch memory (allocated beyond the
call's result, measured with tracemalloc, where numpy reports its arrays), in units of the input.

It ends with the goals of issue 10, each a ratio of two medians from the same interleaved runs:

- CE with integer labels + its gradient, the two separate calls, vs the naive max-shift numpy
  version: at most 1.15x on 4096 x 1000 (float32 and float64) and 1.5x on 256 x 10 (float64, where
  the per-call overhead dominates);
- the fused softmax_cross_entropy_value_and_grad vs PyTorch (1 thread), 4096 x 1000: at most 1.0x;
- sigmoid BCE + its gradient (two calls) vs naive numpy, 4096 x 1000: at most 1.1x.

The machine is shared and its timings noisy: ``--repeats`` more than the default 31 steadies them.
``--baseline DIR`` also times another copy of the package (DIR is a ``lossutils`` directory, say
from a checkout of an older commit) in the same interleaved runs, and prints the goals for both,
so that a before/after comparison does not depend on how loaded the machine was in each run:

    git worktree add /tmp/old HEAD~1 && .venv/bin/python benchmarks/bench_losses.py --baseline /tmp/old/lossutils
"""

import argparse
import importlib.util
import platform
import statistics
import time
import tracemalloc

import numpy as np
import scipy.special

import lossutils as lu

try:
    import torch
except ImportError:  # PyTorch is optional: the benchmark just has one peer fewer
    torch = None


def naive_softmax_cross_entropy(logits, labels):
    """The textbook max-shifted formulas, as most tutorials write them."""
    shifted = logits - logits.max(axis=-1, keepdims=True)
    exps = np.exp(shifted)
    sums = exps.sum(axis=-1, keepdims=True)
    loss = np.log(sums[:, 0]) - np.take_along_axis(shifted, labels[:, None], axis=-1)[:, 0]
    grad = exps / sums
    grad[np.arange(len(labels)), labels] -= 1
    return loss, grad


def scipy_softmax_cross_entropy(logits, labels):
    lse = scipy.special.logsumexp(logits, axis=-1)
    loss = lse - np.take_along_axis(logits, labels[:, None], axis=-1)[:, 0]
    grad = scipy.special.softmax(logits, axis=-1)
    grad[np.arange(len(labels)), labels] -= 1
    return loss, grad


def naive_binary_cross_entropy(logits, labels):
    loss = np.maximum(logits, 0) - logits * labels + np.log1p(np.exp(-np.abs(logits)))
    grad = 1 / (1 + np.exp(-logits)) - labels
    return loss, grad


def scipy_binary_cross_entropy(logits, labels):
    loss = -(labels * scipy.special.log_expit(logits) + (1 - labels) * scipy.special.log_expit(-logits))
    grad = scipy.special.expit(logits) - labels
    return loss, grad


def torch_step(loss_function):
    def step(logits, labels):
        x = torch.from_numpy(logits).requires_grad_(True)
        loss = loss_function(x, torch.from_numpy(labels), reduction="none")
        loss.sum().backward()
        return loss.detach(), x.grad

    return step


def median_seconds(functions, args, repeats):
    """Median time of each function, run in turn within every repeat.

    Interleaving spreads any slow spell of a shared machine over all implementations alike, so
    the ratios stay meaningful when the absolute times wander. The order is fixed, and it matters
    on small inputs: a call right after a different library's (PyTorch's) is slower, by about
    10 us of 60 at 256 x 10 (cold caches and branch predictors), so the fused calls, which follow
    PyTorch, are charged that and the "lossutils" pair, which follows numpy code, is not (as in
    a training loop, where it follows the model's numpy code). A shuffled order charges it to
    every implementation at random and raised the 256 x 10 ratio from 1.6x to 2.0x in one run.
    """
    for function in functions:
        function(*args)  # warm-up: first-touch page faults, lazy imports
    times = [[] for _ in functions]
    for _ in range(repeats):
        for function, record in zip(functions, times):
            start = time.perf_counter()
            function(*args)
            record.append(time.perf_counter() - start)
    return [statistics.median(record) for record in times]


def peak_temporaries(function, args):
    """Peak bytes a call allocates beyond its result, in units of the first argument's size."""
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = function(*args)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return (peak - np.asarray(result).nbytes) / args[0].nbytes


def cases(rng):
    for n, c, dtype in [(4096, 1000, np.float32), (4096, 1000, np.float64), (256, 10, np.float64), (256, 10, np.float32)]:
        logits = rng.normal(0, 3, (n, c)).astype(dtype)
        labels = rng.integers(0, c, n)
        peers = {"naive numpy": naive_softmax_cross_entropy, "scipy.special": scipy_softmax_cross_entropy}
        if torch is not None:
            peers["torch (1 thread)"] = torch_step(torch.nn.functional.cross_entropy)
        parts = (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad)
        yield f"softmax CE + grad, N={n}, C={c}, {np.dtype(dtype).name}", (logits, labels), parts, peers
    for (n, c), dtype in [((4096, 1000), np.float32), ((4096, 1000), np.float64), ((256, 10), np.float64)]:
        logits = rng.normal(0, 3, (n, c)).astype(dtype)
        labels = (rng.random((n, c)) < 0.1).astype(dtype)
        peers = {"naive numpy": naive_binary_cross_entropy, "scipy.special": scipy_binary_cross_entropy}
        if torch is not None:
            peers["torch (1 thread)"] = torch_step(torch.nn.functional.binary_cross_entropy_with_logits)
        parts = (lu.sigmoid_binary_cross_entropy, lu.sigmoid_binary_cross_entropy_grad)
        yield f"sigmoid BCE + grad, N={n}, C={c}, {np.dtype(dtype).name}", (logits, labels), parts, peers


GOALS = [  # (case, numerator, denominator, goal), numerator and denominator as printed above
    ("softmax CE + grad, N=4096, C=1000, float32", "lossutils", "naive numpy", 1.15),
    ("softmax CE + grad, N=4096, C=1000, float64", "lossutils", "naive numpy", 1.15),
    ("softmax CE + grad, N=256, C=10, float64", "lossutils", "naive numpy", 1.5),
    ("softmax CE + grad, N=4096, C=1000, float32", "lossutils fused", "torch (1 thread)", 1.0),
    ("softmax CE + grad, N=4096, C=1000, float64", "lossutils fused", "torch (1 thread)", 1.0),
    ("sigmoid BCE + grad, N=4096, C=1000, float32", "lossutils", "naive numpy", 1.1),
    ("sigmoid BCE + grad, N=4096, C=1000, float64", "lossutils", "naive numpy", 1.1),
]


def cpu_name():
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_baseline(directory):
    """Import the lossutils package in ``directory`` under another name, beside the current one."""
    spec = importlib.util.spec_from_file_location(
        "lossutils_baseline", f"{directory}/__init__.py", submodule_search_locations=[directory]
    )
    module = importlib.util.module_from_spec(spec)
    import sys

    sys.modules["lossutils_baseline"] = module
    spec.loader.exec_module(module)
    return module


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31, help="timed runs per implementation (default 31)")
    parser.add_argument("--baseline", metavar="DIR", help="a lossutils directory to time alongside")
    options = parser.parse_args()
    baseline = load_baseline(options.baseline) if options.baseline else None
    if torch is not None:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"{cpu_name()}; numpy {np.__version__}, scipy {scipy.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}")
    measured = {}
    print(f"{'case':<44} {'implementation':<18} {'median ms':>10} {'lossutils / peer':>17}")
    for name, args, (loss, grad), peers in cases(rng):
        ours = lambda *a: (loss(*a), grad(*a))  # noqa: E731
        implementations = {"lossutils": ours, **peers}
        if loss is lu.softmax_cross_entropy_with_integer_labels:
            # The same pair from one call, sharing the exponentials (what a training loop uses).
            implementations["lossutils fused"] = lu.softmax_cross_entropy_value_and_grad
        if baseline is not None:
            old_loss, old_grad = getattr(baseline, loss.__name__), getattr(baseline, grad.__name__)
            implementations["baseline"] = lambda *a: (old_loss(*a), old_grad(*a))
            if "lossutils fused" in implementations:
                implementations["baseline fused"] = baseline.softmax_cross_entropy_value_and_grad
        times = dict(zip(implementations, median_seconds(list(implementations.values()), args, options.repeats)))
        measured[name] = times
        scratch = max(peak_temporaries(loss, args), peak_temporaries(grad, args))
        print(f"{name:<44} {'lossutils':<18} {times['lossutils'] * 1e3:>10.3f} {'':>17}   scratch <= {scratch:.2f}x input")
        for peer_name in peers:
            print(f"{'':<44} {peer_name:<18} {times[peer_name] * 1e3:>10.3f} {times['lossutils'] / times[peer_name]:>16.2f}x")
        if "lossutils fused" in times and "torch (1 thread)" in times:
            fused = times["lossutils fused"]
            print(f"{'':<44} {'lossutils fused':<18} {fused * 1e3:>10.3f} {fused / times['torch (1 thread)']:>16.2f}x torch")
        for old_name in ("baseline", "baseline fused"):
            if old_name in times:
                print(f"{'':<44} {old_name:<18} {times[old_name] * 1e3:>10.3f}")
    print("\nGoals of issue 10 (ratios of medians from the runs above):")
    for case, numerator, denominator, goal in GOALS:
        times = measured.get(case, {})
        if numerator not in times or denominator not in times:
            print(f"  {case}: {numerator} / {denominator}: not measured ({denominator} missing)")
            continue
        ratio = times[numerator] / times[denominator]
        verdict = "met" if ratio <= goal else f"missed by {ratio / goal - 1:.1%}"
        before = numerator.replace("lossutils", "baseline")
        was = f"; baseline {times[before] / times[denominator]:.2f}x" if before in times else ""
        print(f"  {case}: {numerator} / {denominator} = {ratio:.2f}x (goal <= {goal}x: {verdict}{was})")


if __name__ == "__main__":
    main()
