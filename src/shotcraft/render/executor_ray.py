"""The Ray executor: the same job graph on a Ray cluster, one loaded model per GPU worker.

1. Connect (``address``: ``auto``, ``ray://host:10001``, or none for a local Ray started here).
2. Jobs whose input is done become ready; a clip waits for its keyframe, as with the local executor.
3. Backends that declare ``one_process_per_device`` run in a pool of long-lived actors per
   (backend, model), each holding one GPU (one CPU slot on a cluster without GPUs) and keeping
   its model loaded between jobs; every other backend runs as a plain task.
4. A worker renders into a private temporary store and returns the finished object's bytes; the
   driver commits them to the project's store and ledger, exactly as the local executor does: same
   keys, same bytes, same settings log. No shared filesystem is needed for the results.
5. Faults: a worker process that dies mid-job (killed, node lost) is retried on another worker, up to
   ``max_attempts``; the take is committed once, by the driver. Out of memory is never retried
   unchanged: the job fails with the settings that help. Ray's own automatic retries are off so that
   every attempt is counted and shown.

Ray is imported only here and only when this executor runs (``pip install "shotcraft[ray]"``).
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
from collections import defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from shotcraft.backends.protocol import OOM_ADVICE
from shotcraft.errors import InputError
from shotcraft.render.executor import MAX_ATTEMPTS, Executor, JobHandler, _Graph
from shotcraft.render.jobs import JobSpec
from shotcraft.render.store import ObjectStore, StoreError
from shotcraft.render.work import JobFailed, JobResult, TransientJobError, run_job

#: input files (stills, references, first/last frames) up to this size travel with the job;
#: larger ones must sit on storage every worker mounts at the same path
SHIP_FILE_LIMIT = 256 * 1024 * 1024
#: how long the driver waits for a result before it looks at progress and Ctrl-C again
POLL_S = 0.1


@dataclass(frozen=True)
class JobPayload:
    """Everything a worker needs, by value: the spec, its keyframe's bytes and the small input files."""

    spec: JobSpec
    keyframe: tuple[bytes, str] | None  # (bytes, extension) of the keyframe a clip animates
    files: dict[str, tuple[bytes, str]]  # role -> (bytes, suffix) for inputs shipped with the job
    backend_specs: dict[str, str]  # backends registered at run time (tests, experiments)


@dataclass(frozen=True)
class WorkerResult:
    result: JobResult
    data: bytes


@dataclass
class _Pool:
    """Long-lived actors for one (backend, model): a model loads once per actor."""

    options: dict[str, Any]
    idle: list[Any] = field(default_factory=list)
    size: int = 0


class RayExecutor(Executor):
    """Run jobs on Ray. ``workers`` caps the CPU tasks running at once (default: the cluster's CPUs)."""

    def __init__(
        self,
        address: str | None = None,
        *,
        workers: int | None = None,
        max_attempts: int = MAX_ATTEMPTS,
        runtime_env: dict[str, Any] | None = None,
    ) -> None:
        if workers is not None and workers < 1:
            raise InputError(f"--workers: expected at least 1, found {workers}")
        self.address, self.workers, self.max_attempts, self.runtime_env = address, workers, max_attempts, runtime_env
        #: filled after a run: where each job ran (node, pid) and how many actors each pool started
        self.placements: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.actors_started: dict[str, int] = {}
        self.driver_seconds = 0.0  # the driver's own work: shipping inputs, committing results

    def run(self, jobs: list[JobSpec], handler: JobHandler, objects_folder: Path) -> None:
        if not jobs:
            return
        ray = _connect(self.address, self.runtime_env)
        from shotcraft.backends.registry import registered_specs

        store = ObjectStore(objects_folder)
        graph = _Graph(list(jobs))
        backend_specs = registered_specs()
        cluster = ray.cluster_resources()
        cpu_slots = self.workers or max(1, int(cluster.get("CPU", 1)))
        gpus = int(cluster.get("GPU", 0))
        device_slots = max(1, gpus)  # device actors alive at once (one CPU slot on a cluster without GPUs)
        sink = _progress_sink(ray).remote()
        task = ray.remote(_run_task).options(num_cpus=1, max_retries=0)
        actor_class = ray.remote(_RenderActor)
        pools: dict[str, _Pool] = {}
        running: dict[Any, tuple[JobSpec, int, Any]] = {}  # ref -> (spec, attempt, actor or None)
        attempts: dict[str, int] = {}
        waiting: list[JobSpec] = []
        by_key = {job.key: job for job in jobs}

        def pool_for(spec: JobSpec) -> _Pool:
            name = _pool_name(spec)
            if name not in pools:
                # one model per GPU: a device backend's actor holds a whole GPU, never shares it
                pools[name] = _Pool(options={"num_gpus": 1, "num_cpus": 0} if gpus else {"num_cpus": 1})
            return pools[name]

        def free_a_device() -> bool:
            """Release an idle actor whose model no waiting job needs (its GPU goes to another model)."""
            wanted = {_pool_name(s) for s in waiting if s.one_process_per_device}
            for name, pool in pools.items():
                if pool.idle and name not in wanted:
                    _release(pool, pool.idle.pop(), alive=False, ray=ray)
                    return True
            return False

        def submit(spec: JobSpec) -> bool:
            actor = None
            if spec.one_process_per_device:
                pool = pool_for(spec)
                if pool.idle:
                    actor = pool.idle.pop()
                elif sum(p.size for p in pools.values()) < device_slots or free_a_device():
                    actor = actor_class.options(max_restarts=0, max_task_retries=0, **pool.options).remote(backend_specs, sink)
                    pool.size += 1
                    self.actors_started[_pool_name(spec)] = self.actors_started.get(_pool_name(spec), 0) + 1
                else:
                    return False
            elif sum(1 for s, _, a in running.values() if a is None) >= cpu_slots:
                return False
            attempts[spec.key] = attempts.get(spec.key, 0) + 1
            handler.started(spec, attempts[spec.key])
            started = time.perf_counter()
            payload = _payload(spec, handler.input_path(spec), backend_specs)
            self.driver_seconds += time.perf_counter() - started
            ref = actor.run.remote(payload) if actor is not None else task.remote(payload, sink)
            running[ref] = (spec, attempts[spec.key], actor)
            return True

        def loaded_first(spec: JobSpec) -> bool:
            """Jobs whose model already sits in an idle actor go first: models swap only when needed."""
            pool = pools.get(_pool_name(spec)) if spec.one_process_per_device else None
            return not (pool is not None and pool.idle)

        try:
            while True:
                graph.fail_orphans(handler)
                waiting.extend(graph.ready())
                for spec in sorted(waiting, key=loaded_first):
                    if submit(spec):
                        waiting.remove(spec)
                if not running:
                    if waiting:  # nothing runs and nothing can start: a pool with no slot
                        raise InputError("the Ray cluster offers no worker for the remaining jobs")
                    return
                finished, _ = ray.wait(list(running), num_returns=1, timeout=POLL_S)
                _drain(ray, sink, handler, by_key)
                for ref in finished:
                    spec, attempt, actor = running.pop(ref)
                    started = time.perf_counter()
                    self._settle(ray, ref, spec, attempt, actor, pools, store, handler, graph, waiting)
                    self.driver_seconds += time.perf_counter() - started
        except BaseException:
            # Ctrl-C or a store error: cancel what runs, release the GPUs, let the engine record the rest
            for ref, (_, _, actor) in running.items():
                if actor is None:
                    ray.cancel(ref, force=True)
            raise
        finally:
            for pool in pools.values():
                for actor in pool.idle:
                    ray.kill(actor)
            for _, _, actor in running.values():
                if actor is not None:
                    ray.kill(actor)
            ray.kill(sink)

    def _settle(self, ray, ref, spec, attempt, actor, pools, store, handler, graph, waiting) -> None:
        """One finished ref: commit its object, retry a lost worker, or fail the job for good."""
        from ray import exceptions as rex

        pool = pools.get(_pool_name(spec)) if actor is not None else None
        try:
            outcome: WorkerResult = ray.get(ref)
        except rex.OutOfMemoryError:
            _release(pool, actor, alive=False, ray=ray)
            graph.failed(handler, spec, f"out of memory on its Ray worker; not retried unchanged: try {OOM_ADVICE}", attempts=attempt)
            return
        except (rex.WorkerCrashedError, rex.RayActorError, rex.NodeDiedError, rex.ObjectLostError, rex.LocalRayletDiedError) as exc:
            _release(pool, actor, alive=False, ray=ray)
            if attempt < self.max_attempts:
                waiting.append(spec)  # another worker (or a fresh actor) takes it
            else:
                graph.given_up(handler, spec, f"its Ray worker died ({type(exc).__name__})", attempt)
            return
        except rex.RayTaskError as exc:
            _release(pool, actor, alive=True, ray=ray)
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            if isinstance(cause, StoreError):
                raise cause from None
            if isinstance(cause, TransientJobError) and attempt < self.max_attempts:
                waiting.append(spec)
                return
            message = str(cause) if isinstance(cause, (JobFailed, TransientJobError)) else f"{type(cause).__name__}: {cause}"
            if isinstance(cause, TransientJobError):
                graph.given_up(handler, spec, message, attempt)
            else:
                graph.failed(handler, spec, message, attempts=attempt)
            return
        _release(pool, actor, alive=True, ray=ray)
        sha, _, _ = store.put_bytes(outcome.data, outcome.result.ext)
        if sha != outcome.result.sha256:
            graph.failed(handler, spec, f"object changed in transit from its Ray worker ({sha[:12]} != {outcome.result.sha256[:12]})", attempts=attempt)
            return
        self.placements[spec.key].append(outcome.result.environment.get("worker", {}))
        graph.finished(handler, spec, outcome.result)


def _release(pool: _Pool | None, actor: Any, *, alive: bool, ray: Any) -> None:
    if pool is None or actor is None:
        return
    if alive:
        pool.idle.append(actor)
    else:
        pool.size -= 1
        ray.kill(actor)


def _pool_name(spec: JobSpec) -> str:
    """Actors are pooled per backend and model: an actor never swaps the model it loaded."""
    model = spec.settings.get("model") if isinstance(spec.settings, dict) else None
    return f"{spec.backend}:{model}" if model else spec.backend


def _connect(address: str | None, runtime_env: dict[str, Any] | None) -> Any:
    try:
        import ray
    except ImportError:
        raise InputError('--executor ray needs Ray: pip install "shotcraft[ray]"') from None
    if ray.is_initialized():
        return ray
    if address and address != "auto":
        _check_reachable(address)
    try:
        if address:
            ray.init(address=address, runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
        else:
            ray.init(include_dashboard=False, runtime_env=runtime_env, logging_level="ERROR", log_to_driver=False)
    except (ConnectionError, RuntimeError, ValueError) as exc:
        raise InputError(f"--address {address or '(local)'}: cannot connect to Ray ({str(exc).splitlines()[0][:200]})") from None
    return ray


def _check_reachable(address: str) -> None:
    """Fail in seconds, not after Ray's minute of retries, when nothing listens at the address."""
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise InputError(f"--address {address}: expected auto, HOST:PORT or ray://HOST:PORT")
    try:
        with socket.create_connection((host.strip("[]"), int(port)), timeout=5):
            pass
    except OSError as exc:
        raise InputError(f"--address {address}: cannot connect to Ray ({exc.strerror or exc})") from None


def _payload(spec: JobSpec, keyframe_path: Path | None, backend_specs: dict[str, str]) -> JobPayload:
    keyframe = (keyframe_path.read_bytes(), keyframe_path.suffix.lstrip(".")) if keyframe_path is not None else None
    shipped: dict[str, tuple[bytes, str]] = {}
    for role, path_text in spec.files.items():
        path = Path(path_text)
        if path.is_file() and path.stat().st_size <= SHIP_FILE_LIMIT:
            shipped[role] = (path.read_bytes(), path.suffix)
    return JobPayload(spec, keyframe, shipped, backend_specs)


# --- worker side (runs in Ray worker processes) -----------------------------------------------


def _execute(payload: JobPayload, sink: Any) -> WorkerResult:
    """Run one job into a private temporary store and hand back the committed object's bytes."""
    from shotcraft.backends.registry import register_backend, registered_specs

    for name, backend_spec in payload.backend_specs.items():
        if registered_specs().get(name) != backend_spec:
            register_backend(name, backend_spec)
    spec = payload.spec
    with tempfile.TemporaryDirectory(prefix="shotcraft-ray-") as temp_text:
        temp = Path(temp_text)
        keyframe_path = None
        if payload.keyframe is not None:
            data, ext = payload.keyframe
            keyframe_path = temp / f"keyframe.{ext}"
            keyframe_path.write_bytes(data)
        files = dict(spec.files)
        for index, (role, (data, suffix)) in enumerate(sorted(payload.files.items())):
            local = temp / f"input-{index}{suffix}"
            local.write_bytes(data)
            files[role] = str(local)
        spec = replace(spec, files=files)

        def report(done: int) -> None:
            sink.report.remote(spec.key, done)

        result = run_job(spec, temp / "objects", keyframe_path, report)
        data = ObjectStore(temp / "objects").path_for(result.sha256, result.ext).read_bytes()
    worker = {"node": socket.gethostname(), "pid": os.getpid()}
    return WorkerResult(replace(result, environment={**result.environment, "worker": worker}), data)


def _run_task(payload: JobPayload, sink: Any) -> WorkerResult:
    return _execute(payload, sink)


class _RenderActor:
    """A long-lived worker: the backend (and its model) is loaded by the first job and kept."""

    def __init__(self, backend_specs: dict[str, str], sink: Any) -> None:
        from shotcraft.backends.registry import register_backend

        for name, backend_spec in backend_specs.items():
            register_backend(name, backend_spec)
        self.sink = sink

    def run(self, payload: JobPayload) -> WorkerResult:
        return _execute(payload, self.sink)


def _progress_sink(ray: Any) -> Any:
    """A small actor that collects (job, frames done) from workers; the driver drains it."""

    class ProgressSink:
        def __init__(self) -> None:
            self.latest: dict[str, int] = {}

        def report(self, key: str, done: int) -> None:
            self.latest[key] = max(done, self.latest.get(key, 0))

        def drain(self) -> dict[str, int]:
            latest, self.latest = self.latest, {}
            return latest

    return ray.remote(num_cpus=0)(ProgressSink)


def _drain(ray: Any, sink: Any, handler: JobHandler, by_key: dict[str, JobSpec]) -> None:
    try:
        latest = ray.get(sink.drain.remote(), timeout=5)
    except Exception:  # noqa: BLE001 - progress is best effort; results never depend on it
        return
    for key, done in latest.items():
        if key in by_key:
            handler.progress(by_key[key], done)
