"""Start or join a joblib backend for the command line and the benchmarks.

Library code never picks a backend (it calls joblib, and the caller chooses with
:func:`joblib.parallel_config`). This helper is what the *callers* in pqstats use —
``pqstats cv --backend``, ``make bench`` and the tests — to start a real local cluster or
connect to a remote one:

* ``loky`` (default): local worker processes;
* ``dask``: a :class:`distributed.Client` on ``scheduler`` (e.g. ``tcp://host:8786``), or
  a :class:`distributed.LocalCluster` with ``n_workers`` single-threaded processes;
* ``ray``: :func:`ray.init` with ``address=scheduler`` (e.g. ``ray://host:10001``), or a
  local ray with ``num_cpus=n_workers``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

import joblib

__all__ = ["BACKENDS", "joblib_backend"]

BACKENDS = ("loky", "threading", "dask", "ray")


@contextlib.contextmanager
def joblib_backend(name: str = "loky", *, scheduler: str | None = None, n_workers: int = 2,
                   scatter: Sequence | None = None, timeout: float = 60.0) -> Iterator[None]:
    """Run the enclosed joblib calls on backend ``name``.

    Parameters
    ----------
    name : {"loky", "threading", "dask", "ray"}
    scheduler : str, optional
        Address of a running dask scheduler or ray cluster; a local one is started when
        omitted.
    n_workers : int
        Workers of a local cluster.
    scatter : sequence, optional
        Large objects to ship to every dask worker once, instead of once per task.
    timeout : float
        Seconds to wait for a cluster to come up or be reached.

    Raises
    ------
    ValueError
        Unknown backend.
    ImportError
        The backend's extra (``pqstats[dask]`` / ``pqstats[ray]``) is not installed.
    ConnectionError
        The scheduler could not be reached within ``timeout``.
    """
    if name not in BACKENDS:
        raise ValueError(f"unknown backend {name!r}; choose from {', '.join(BACKENDS)}")
    if name in ("loky", "threading"):
        with joblib.parallel_config(backend=name, n_jobs=n_workers):
            yield
        return
    if name == "dask":
        from pqstats._extras import require

        distributed = require("distributed", "dask", "the dask backend")
        Client, LocalCluster = distributed.Client, distributed.LocalCluster
        with contextlib.ExitStack() as stack:
            try:  # the Client, while open, is the default that joblib's dask backend uses
                target = scheduler or stack.enter_context(LocalCluster(
                    n_workers=n_workers, threads_per_worker=1, processes=True,
                    dashboard_address=None))
                stack.enter_context(Client(target, timeout=timeout))
            except (OSError, TimeoutError) as err:
                raise ConnectionError(f"could not reach the dask scheduler "
                                      f"{scheduler or '(local)'}: {err}") from err
            kw = {"scatter": list(scatter)} if scatter else {}
            with joblib.parallel_config(backend="dask", **kw):
                yield
        return
    from pqstats._extras import require

    ray = require("ray", "ray", "the ray backend")
    register_ray = require("ray.util.joblib", "ray", "the ray backend").register_ray
    started = not ray.is_initialized()
    if started:
        try:
            if scheduler:
                ray.init(address=scheduler, log_to_driver=False)
            else:
                ray.init(num_cpus=n_workers, include_dashboard=False, log_to_driver=False)
        except (ConnectionError, RuntimeError) as err:
            raise ConnectionError(f"could not start or reach ray {scheduler or '(local)'}: "
                                  f"{err}") from err
    register_ray()
    try:
        with joblib.parallel_config(backend="ray"):
            yield
    finally:
        if started:
            ray.shutdown()
