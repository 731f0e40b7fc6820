"""Parallel loops that stay fast on any joblib backend.

Every parallel loop of sklweights goes through scikit-learn's
``sklearn.utils.parallel.Parallel``/``delayed`` (which carry scikit-learn's
configuration into the workers), with an ``n_jobs`` parameter, so that
``with joblib.parallel_backend("dask"):`` runs it on a Dask cluster unchanged.

Nested parallelism is the trap: a worker that runs a BLAS call, an OpenMP
histogram-boosting fit or a torch op would start as many native threads as the
machine has cores, in every worker at once. On 2 cores, 2 workers x 2 threads
of HistGradientBoosting is several times slower than sequential. ``parallel_map``
therefore limits the native thread pools (BLAS, OpenMP, torch) inside each task
to ``inner_threads`` (default: cores / workers, at least 1) with threadpoolctl.
"""

import os

from joblib import effective_n_jobs
from sklearn.utils.parallel import Parallel, delayed

__all__ = [
    "call_with_thread_limit",
    "inner_thread_limit",
    "limited_threads",
    "parallel_map",
]


class limited_threads:
    """Context manager limiting BLAS/OpenMP (threadpoolctl) and torch threads.

    Parameters
    ----------
    n_threads : int
        Threads allowed inside the block (values below 1 count as 1); the
        previous limits are restored on exit.
    """

    def __init__(self, n_threads):
        self.n_threads = max(int(n_threads), 1)

    def __enter__(self):
        from threadpoolctl import threadpool_limits

        self._ctl = threadpool_limits(limits=self.n_threads)
        self._torch_threads = None
        torch = _loaded_torch()
        if torch is not None:
            self._torch_threads = torch.get_num_threads()
            torch.set_num_threads(self.n_threads)
        return self

    def __exit__(self, *exc):
        self._ctl.restore_original_limits()
        if self._torch_threads is not None:
            _loaded_torch().set_num_threads(self._torch_threads)
        return False


def _loaded_torch():
    import sys

    mod = sys.modules.get("torch")
    return mod if mod is not None and hasattr(mod, "set_num_threads") else None


def inner_thread_limit(n_jobs):
    """Native threads each worker may use: the cores shared among the workers.

    ``None`` (no limit) when the loop runs in a single job.
    """
    workers = effective_n_jobs(n_jobs)
    if workers <= 1:
        return None
    return max((os.cpu_count() or 1) // workers, 1)


def call_with_thread_limit(limit, fn, *args, **kwargs):
    """Run ``fn`` with native (BLAS/OpenMP/torch) threads capped at ``limit``.

    ``limit=None`` runs ``fn`` unchanged.
    """
    if limit is None:
        return fn(*args, **kwargs)
    with limited_threads(limit):
        return fn(*args, **kwargs)


_WORKER_LIMIT = None  # (limit, number of modules) last set in this worker


def _call_limited(fn, n_threads, args, parent_pid=None):
    """Run one task with native threads capped at ``n_threads``.

    In a worker process (not the process that called ``parallel_map``) the
    limit is set once and kept for the process's later tasks: setting it
    costs milliseconds (threadpoolctl inspects the loaded libraries), more
    than many small tasks take. It is set again whenever modules were
    imported since (a new module may have loaded a new native thread pool).
    In the calling process it is set and restored around each task.
    """
    global _WORKER_LIMIT
    import sys

    if parent_pid is None or os.getpid() == parent_pid:
        return call_with_thread_limit(n_threads, fn, *args)
    if _WORKER_LIMIT != (n_threads, len(sys.modules)):
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=n_threads)
        torch = _loaded_torch()
        if torch is not None:
            torch.set_num_threads(n_threads)
        _WORKER_LIMIT = (n_threads, len(sys.modules))
    return fn(*args)


def parallel_map(fn, tasks, *, n_jobs=None, inner_threads=None, **parallel_kwargs):
    """Run ``fn(*args)`` for each task in parallel, threads limited.

    Parameters
    ----------
    fn : callable
        The function called once per task, ``fn(*task)``.
    tasks : iterable of tuple
        Positional arguments of each call.
    n_jobs : int, default=None
        Number of jobs, as everywhere in scikit-learn (``None`` means 1 unless
        in a :func:`joblib.parallel_backend` context; ``-1`` all processors).
    inner_threads : int, default=None
        Native threads allowed inside each task. Default: the machine's cores
        divided by the effective number of jobs (at least 1). With one job,
        nothing is limited.
    **parallel_kwargs
        Passed to :class:`sklearn.utils.parallel.Parallel` (e.g. ``prefer``).

    Returns
    -------
    results : list
        In the order of ``tasks``.
    """
    tasks = [tuple(t) for t in tasks]
    jobs = effective_n_jobs(n_jobs)
    if jobs == 1 and inner_threads is None:
        return [fn(*args) for args in tasks]
    if inner_threads is None:
        inner_threads = inner_thread_limit(n_jobs) or 1
    if _uses_threads(parallel_kwargs):
        # threadpoolctl's limits are process-wide: with a thread-based backend
        # they are set once around the whole loop, never per task (racy).
        with limited_threads(inner_threads):
            return Parallel(n_jobs=n_jobs, **parallel_kwargs)(
                delayed(fn)(*args) for args in tasks
            )
    parent = os.getpid()
    return Parallel(n_jobs=n_jobs, **parallel_kwargs)(
        delayed(_call_limited)(fn, inner_threads, args, parent) for args in tasks
    )


def _uses_threads(parallel_kwargs):
    from joblib.parallel import ThreadingBackend, get_active_backend

    backend, _ = get_active_backend(prefer=parallel_kwargs.get("prefer"))
    return isinstance(backend, ThreadingBackend)
