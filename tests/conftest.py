"""Shared pytest configuration: markers for optional dependencies and devices."""

import importlib.util

import pytest

HAS_TORCH = importlib.util.find_spec("torch") is not None


def _has_cuda():
    if not HAS_TORCH:
        return False
    import torch

    return torch.cuda.is_available()


def pytest_collection_modifyitems(config, items):
    skip_torch = pytest.mark.skip(reason="torch is not installed")
    skip_gpu = pytest.mark.skip(reason="no CUDA device")
    has_cuda = None
    for item in items:
        if "torch" in item.keywords and not HAS_TORCH:
            item.add_marker(skip_torch)
        if "gpu" in item.keywords:
            if has_cuda is None:
                has_cuda = _has_cuda()
            if not has_cuda:
                item.add_marker(skip_gpu)


@pytest.fixture(scope="session")
def dask_client():
    """A real ``dask.distributed.LocalCluster``: two single-threaded processes.

    One cluster for the session (its start-up takes seconds), shared by every
    test that asks for it.
    """
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        dashboard_address=None,
        silence_logs=50,
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()
