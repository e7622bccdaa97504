"""Time lossutils' losses and gradients against a naive numpy version, scipy.special and PyTorch.

Run from the repository root (after `make test` has built .venv):

    .venv/bin/python benchmarks/bench_losses.py

Each case times the loss plus its gradient, as a training step needs them, for every implementation
in the same process, and prints the median of repeated runs and lossutils' time relative to each
peer. For softmax cross-entropy it also times lu.softmax_cross_entropy_value_and_grad, which returns
the same pair from one call ("lossutils fused"), against PyTorch. PyTorch runs on the CPU with one thread (torch.set_num_threads(1)), forward plus backward
through autograd; it is skipped when not installed and is never a dependency of the book.

It also reports the larger of the two lossutils calls' peak scratch memory (allocated beyond the
call's result, measured with tracemalloc, where numpy reports its arrays), in units of the input. The goals (issue 2):
at most 1.2x PyTorch's time on the large softmax case, at most two temporaries of the input's size.
"""

import argparse
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
    the ratios stay meaningful when the absolute times wander.
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
    for n, c, dtype in [(4096, 1000, np.float32), (4096, 1000, np.float64), (256, 10, np.float64)]:
        logits = rng.normal(0, 3, (n, c)).astype(dtype)
        labels = rng.integers(0, c, n)
        peers = {"naive numpy": naive_softmax_cross_entropy, "scipy.special": scipy_softmax_cross_entropy}
        if torch is not None:
            peers["torch (1 thread)"] = torch_step(torch.nn.functional.cross_entropy)
        parts = (lu.softmax_cross_entropy_with_integer_labels, lu.softmax_cross_entropy_grad)
        yield f"softmax CE + grad, N={n}, C={c}, {np.dtype(dtype).name}", (logits, labels), parts, peers
    for dtype in (np.float32, np.float64):
        logits = rng.normal(0, 3, (4096, 1000)).astype(dtype)
        labels = (rng.random((4096, 1000)) < 0.1).astype(dtype)
        peers = {"naive numpy": naive_binary_cross_entropy, "scipy.special": scipy_binary_cross_entropy}
        if torch is not None:
            peers["torch (1 thread)"] = torch_step(torch.nn.functional.binary_cross_entropy_with_logits)
        parts = (lu.sigmoid_binary_cross_entropy, lu.sigmoid_binary_cross_entropy_grad)
        yield f"sigmoid BCE + grad, 4096x1000, {np.dtype(dtype).name}", (logits, labels), parts, peers


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31, help="timed runs per implementation (default 31)")
    options = parser.parse_args()
    if torch is not None:
        torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    print(f"numpy {np.__version__}, scipy {scipy.__version__}, torch {torch.__version__ if torch else 'not installed'}")
    print(f"{'case':<44} {'implementation':<18} {'median ms':>10} {'lossutils / peer':>17}")
    for name, args, (loss, grad), peers in cases(rng):
        ours = lambda *a: (loss(*a), grad(*a))  # noqa: E731
        implementations = {"lossutils": ours, **peers}
        if loss is lu.softmax_cross_entropy_with_integer_labels:
            # The same pair from one call, sharing the exponentials (what a training loop uses).
            implementations["lossutils fused"] = lu.softmax_cross_entropy_value_and_grad
        times = dict(zip(implementations, median_seconds(list(implementations.values()), args, options.repeats)))
        scratch = max(peak_temporaries(loss, args), peak_temporaries(grad, args))
        print(f"{name:<44} {'lossutils':<18} {times['lossutils'] * 1e3:>10.2f} {'':>17}   scratch <= {scratch:.2f}x input")
        for peer_name in peers:
            print(f"{'':<44} {peer_name:<18} {times[peer_name] * 1e3:>10.2f} {times['lossutils'] / times[peer_name]:>16.2f}x")
        if "lossutils fused" in times and "torch (1 thread)" in times:
            fused = times["lossutils fused"]
            print(f"{'':<44} {'lossutils fused':<18} {fused * 1e3:>10.2f} {fused / times['torch (1 thread)']:>16.2f}x torch")


if __name__ == "__main__":
    main()
