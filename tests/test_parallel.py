"""``sklweights.utils.parallel_map``: joblib-backed loops with limited inner threads."""

import joblib
import pytest

from sklweights.utils import limited_threads, parallel_map


def _blas_threads(_):
    from threadpoolctl import threadpool_info

    counts = [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]
    return max(counts) if counts else None


def _square(x):
    return x * x


def test_results_keep_task_order():
    assert parallel_map(_square, [(i,) for i in range(7)], n_jobs=2) == [
        i * i for i in range(7)
    ]


def test_sequential_path_runs_in_process():
    assert parallel_map(_square, [(3,)], n_jobs=None) == [9]


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_inner_native_threads_are_limited_in_workers(backend):
    with joblib.parallel_backend(backend, n_jobs=2):
        seen = parallel_map(_blas_threads, [(i,) for i in range(2)], inner_threads=1)
    if seen[0] is None:
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    assert seen == [1, 1]


def test_limited_threads_restores_limits():
    from threadpoolctl import threadpool_info

    before = [p["num_threads"] for p in threadpool_info()]
    with limited_threads(1):
        assert all(p["num_threads"] == 1 for p in threadpool_info())
    assert [p["num_threads"] for p in threadpool_info()] == before


def _torch_and_blas_threads(_):
    import torch

    return torch.get_num_threads(), _blas_threads(None)


def test_worker_limit_follows_each_loop_and_late_imports():
    # loky reuses its workers: the limit a worker keeps from one loop must not
    # leak into the next, and a pool loaded by a task (torch) is limited too
    pytest.importorskip("torch")
    with joblib.parallel_backend("loky", n_jobs=2):
        first = parallel_map(_blas_threads, [(i,) for i in range(4)], inner_threads=1)
        second = parallel_map(
            _torch_and_blas_threads, [(i,) for i in range(4)], inner_threads=2
        )
        third = parallel_map(
            _torch_and_blas_threads, [(i,) for i in range(4)], inner_threads=1
        )
    if first[0] is None:
        pytest.skip("no BLAS thread pool visible to threadpoolctl")
    assert first == [1] * 4
    # the first task of a worker imports torch inside the task, after the
    # limit was set: from the next task on, torch is limited as well
    assert all(blas == 2 for _, blas in second)
    assert all(t == 1 and blas == 1 for t, blas in third)
