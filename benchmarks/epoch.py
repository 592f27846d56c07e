"""Seconds per MNIST epoch: the reference's advanced model in Beras against the same
model in PyTorch (CPU, same threads, float32), alternating epochs in one process, and
the matmul floor: the epoch's matmul FLOPs over the best float32 GEMM rate measured here.

    python benchmarks/epoch.py [--rounds 3] [--threads N] [--json FILE]

Run it with OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE unset (bench.sh does), so that numpy
uses the kernel OpenBLAS picks for this CPU. Without PyTorch it times Beras alone.
"""
import argparse
import contextlib
import io
import json
import resource
import sys
import time
from pathlib import Path
from statistics import median

import numpy as np

import machine

KIT = Path(__file__).resolve().parent.parent
WARMUP_BATCHES = 30


def load_mnist(code_dir):
    """The training set as the reference trains on it: float32 inputs, one-hot targets."""
    sys.path.insert(0, str(code_dir))
    import preprocess
    from Beras.onehot import OneHotEncoder

    x, labels = preprocess.get_data_MNIST("train", str(KIT / "data"))
    return x, OneHotEncoder()(labels)


def reference_components(seed=0):
    import assignment

    np.random.seed(seed)
    return assignment.get_advanced_model_components()


def describe_model(components) -> str:
    model = components.model
    parts = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Dense":
            parts.append(f"Dense({layer.w.shape[0]}, {layer.w.shape[1]})")
        elif hasattr(layer, "alpha"):
            parts.append(f"{kind}({layer.alpha})")
        else:
            parts.append(kind)
    opt = model.optimizer
    return (f"{' > '.join(parts)}; {type(model.compiled_loss).__name__}; "
            f"{type(opt).__name__}(lr {opt.learning_rate}); batch {components.batch_size}")


def matmul_shapes(model, batch_size):
    """(m, k, n) of every matmul one training step needs, forward and backward.

    Per Dense(in, out): forward (B,in)@(in,out), weight gradient (in,B)@(B,out), and the
    input gradient (B,out)@(out,in) for every Dense but the first (nothing needs it).
    """
    shapes = []
    dense = [layer for layer in model.layers if type(layer).__name__ == "Dense"]
    for i, layer in enumerate(dense):
        fan_in, fan_out = layer.w.shape
        shapes += [(batch_size, fan_in, fan_out), (fan_in, batch_size, fan_out)]
        if i > 0:
            shapes.append((batch_size, fan_out, fan_in))
    return shapes


def gemm_rate(m, k, n, repeats=100):
    """The best float32 GEMM rate for (m,k)@(k,n) in FLOP/s (best of several timings)."""
    rng = np.random.default_rng(0)
    a = rng.random((m, k), dtype=np.float32)
    b = rng.random((k, n), dtype=np.float32)
    out = np.empty((m, n), dtype=np.float32)
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeats):
            np.matmul(a, b, out=out)
        best = min(best, (time.perf_counter() - start) / repeats)
    return 2 * m * k * n / best


class Timed:
    """Wall seconds, CPU seconds (all threads) and minor page faults of a `with` block."""

    def __enter__(self):
        self._start = self._now()
        return self

    def __exit__(self, *exc):
        self.wall, self.cpu, self.faults = (b - a for a, b in zip(self._start, self._now()))

    @staticmethod
    def _now():
        return (time.perf_counter(), time.process_time(),
                resource.getrusage(resource.RUSAGE_SELF).ru_minflt)


def beras_epoch(components, x, y):
    """One `Model.fit` epoch. Returns (Timed, loss, accuracy)."""
    with contextlib.redirect_stdout(io.StringIO()), Timed() as timed:  # fit prints a line
        history = components.model.fit(x, y, epochs=1, batch_size=components.batch_size)
    return timed, history["loss"][-1], history["acc"][-1]


def torch_epoch(twin, x, y, batch_size):
    with Timed() as timed:
        loss, acc = twin.epoch(x, y, batch_size)
    return timed, loss, acc


def limit_numpy_threads(threads):
    from threadpoolctl import ThreadpoolController

    ThreadpoolController().select(user_api="blas", internal_api="openblas").limit(
        limits=threads)


def load_torch(threads):
    """(torch, None), or (None, why not). torch gets numpy's BLAS thread count."""
    try:
        import torch
    except ImportError as e:
        return None, f"PyTorch is not installed ({e})"
    torch.set_num_threads(threads or 1)
    return torch, None


HEADER = ("       wall seconds             cpu seconds        page faults/step   "
          "loss/accuracy\nepoch  beras pytorch ratio     beras pytorch       beras pytorch"
          "      beras           pytorch")


def row(r, steps, beras, torch_run):
    """One line of the table: an epoch of each, side by side."""
    b, b_loss, b_acc = beras
    if torch_run is None:
        return (f"{r:>5}  {b.wall:5.2f} {'n/a':>7} {'n/a':>5}     {b.cpu:5.2f} {'n/a':>7}"
                f"       {b.faults / steps:5.0f} {'n/a':>7}      {b_loss:.4f}/{b_acc:.4f}")
    t, t_loss, t_acc = torch_run
    return (f"{r:>5}  {b.wall:5.2f} {t.wall:7.2f} {b.wall / t.wall:5.2f}     "
            f"{b.cpu:5.2f} {t.cpu:7.2f}       {b.faults / steps:5.0f} {t.faults / steps:7.0f}"
            f"      {b_loss:.4f}/{b_acc:.4f}  {t_loss:.4f}/{t_acc:.4f}")


def alternate(components, twin, data, rounds, shapes):
    """Beras and PyTorch epochs in turn, then the GEMM rates, `rounds` times.

    Returns:
        ([(beras wall s, pytorch wall s or None)] per round, {shape: best FLOP/s}).
    """
    x, y, tx, ty = data
    batch, steps = components.batch_size, len(x) // components.batch_size
    warm = WARMUP_BATCHES * batch  # first-touch costs stay out of the timings
    beras_epoch(components, x[:warm], y[:warm])
    if twin:
        torch_epoch(twin, tx[:warm], ty[:warm], batch)
    rows, rates = [], dict.fromkeys(shapes, 0.0)
    print(HEADER)
    for r in range(1, rounds + 1):
        beras = beras_epoch(components, x, y)
        torch_run = torch_epoch(twin, tx, ty, batch) if twin else None
        rows.append((beras[0].wall, torch_run[0].wall if twin else None))
        rates = {shape: max(rate, gemm_rate(*shape)) for shape, rate in rates.items()}
        print(row(r, steps, beras, torch_run))
    return rows, rates


def summarize(rows, rates, shapes, steps, threads) -> dict:
    """Medians, the paired ratio and the floor, printed and returned."""
    with_torch = rows[0][1] is not None
    flops = steps * sum(2 * m * k * n for m, k, n in shapes)
    best = max(rates.values())
    floor = flops / best
    beras = median(b for b, _ in rows)
    pytorch = median(t for _, t in rows) if with_torch else None
    print("float32 GEMM here (numpy): " + ", ".join(
        f"{m}x{k}@{k}x{n} {rate / 1e9:.1f}" for (m, k, n), rate in sorted(rates.items()))
        + " GFLOP/s")
    print(f"floor: {flops / 1e9:.1f} GFLOP of matmuls per epoch ({steps} steps) / "
          f"{best / 1e9:.1f} GFLOP/s = {floor:.2f} s")
    print(f"beras epoch / floor: {beras / floor:.2f}" + (
        f"; pytorch epoch / floor: {pytorch / floor:.2f}" if with_torch else ""))
    best_beras = min(b for b, _ in rows)  # the least disturbed epoch, on a loaded machine
    print(f"best of {len(rows)}: beras {best_beras:.2f} s (floor ratio "
          f"{best_beras / floor:.2f})" + (f", pytorch {min(t for _, t in rows):.2f} s"
                                          if with_torch else ""))
    return {"beras": beras, "pytorch": pytorch,
            "ratio": median(b / t for b, t in rows) if with_torch else None,
            "floor": floor, "floor_ratio": beras / floor, "threads": threads, "rounds": rows}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="epochs of each (>= 3)")
    parser.add_argument("--threads", type=int, help="BLAS threads for both "
                        "(default: what numpy's BLAS uses here)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument("--code", type=Path, default=KIT / "solution",
                        help="the Beras code folder to time (default: solution/)")
    args = parser.parse_args(argv)

    blas = machine.numpy_blas()  # before torch loads a BLAS of its own
    if args.threads:
        limit_numpy_threads(args.threads)
        blas = machine.numpy_blas()
    threads = args.threads or (blas or {}).get("num_threads")
    torch, why_no_torch = load_torch(threads)

    x, y = load_mnist(args.code)
    components = reference_components()
    print(f"model: {describe_model(components)}")
    print(f"numpy BLAS: {machine.describe_blas(blas)}; OpenBLAS overrides: "
          f"{machine.openblas_overrides()}")
    twin, tx, ty = None, None, None
    if torch is not None:
        from torch_twin import Twin

        twin = Twin(components.model)  # same initial weights as the Beras model
        tx, ty = torch.from_numpy(x), torch.from_numpy(y.astype(np.float32))
        print(f"PyTorch {torch.__version__}: {torch.get_num_threads()} threads, float32")
    else:
        print(f"PyTorch: n/a: {why_no_torch}")

    shapes = matmul_shapes(components.model, components.batch_size)
    rows, rates = alternate(components, twin, (x, y, tx, ty), args.rounds, shapes)
    figures = summarize(rows, rates, shapes, len(x) // components.batch_size, threads)
    if args.json:
        args.json.write_text(json.dumps(figures))
    return figures


if __name__ == "__main__":
    main()
