"""Remote jobs: submitted once, resumed after a crash, never paid twice; budget and cost before any create call.

A job whose backend wraps a :class:`RemoteProvider` (``backends/remote``) runs
here instead of calling ``backend.clip()``:

1. its receipt (``render.remote_tasks``) is looked up: a task id means the task
   is polled again; ``submitting`` or ``submit-uncertain`` means the create call
   may have reached the service, so nothing is sent and the take says how to
   resolve it (``shotcraft remote resolve``);
2. otherwise the receipt is committed, the one create call is made (never
   retried: the SDK's own retries are off in every provider), and the task id
   committed at once;
3. the task is polled with backoff (reads are retried, honouring retry_after);
   a refusal or an error is the take's failure with the service's words;
4. the output is downloaded at once, its original committed to the store,
   verified (it decodes) and conformed like any clip: the plan's size by cover
   fit, the plan's rate by nearest frame, the shot's frame count.

Before any create call of a run, :func:`preflight` checks every remote job
offline (the provider builds its payload) and, where the provider offers one,
against the service (ComfyUI's ``/object_info``), then prices the run and
holds it to the budget. Every text carrying a provider's words is scrubbed of
credentials before it is stored or shown.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2

from shotcraft.backends.registry import get_backend
from shotcraft.backends.remote import driver, output, prices
from shotcraft.backends.remote.protocol import (
    Cost,
    ProviderError,
    ProviderRefused,
    ProviderUnavailable,
    RemoteRequest,
    SubmitUncertain,
)
from shotcraft.backends.remote.secrets import scrub, scrub_data
from shotcraft.errors import InputError, ShotcraftError
from shotcraft.render.encode import TakeEncoder
from shotcraft.render.jobs import KEYFRAME_FORMAT, JobSpec, is_remote
from shotcraft.render.remote_tasks import RemoteTasks, TaskRow
from shotcraft.render.store import ObjectStore
from shotcraft.timebase import format_rate

LEDGER_FILE = "ledger.sqlite"
SLOTS_FOLDER = "remote-slots"
SLOT_WAIT_S = 0.5


class BudgetExceeded(InputError):
    code = "over-budget"


def resolve_hint(plan_file: str, spec_shot: str, take: str, kind: str) -> str:
    return (f"find the task in the provider's dashboard: if it exists, `shotcraft remote resolve {plan_file} {spec_shot} {take} "
            f"--kind {kind} --task-id ID` follows it; if it does not, `--resubmit` allows a new (paid) submission")  # fmt: skip


# --- running one job (in whichever process the executor chose) --------------------------------------


def run_remote(spec: JobSpec, backend: Any, store: ObjectStore, keyframe_path: Path | None,
               report: Callable[..., None] | None) -> tuple:  # fmt: skip
    """Run one remote job to a committed object; returns work.py's (sha, size, frames, rate, width, height, ext)."""
    from shotcraft.render.work import JobFailed, TransientJobError

    provider = backend.provider
    project_folder = store.folder.parent
    prices.use_plan_folder(project_folder.parent)
    tasks = RemoteTasks(project_folder / LEDGER_FILE)
    plan_file = str(spec.settings.get("plan", {}).get("file", "PLAN"))
    try:
        if spec.kind == "clip" and keyframe_path is None:
            raise JobFailed("its keyframe is not in the store")
        request = build_request(spec, backend, keyframe_path)
        row = tasks.current(spec.key)
        if row is not None and row.state == "submitting":  # a run died inside the create call: it may have been received
            tasks.mark(row.id, "submit-uncertain", reason="the render stopped during the create call")
            row = tasks.current(spec.key)
        if row is not None and row.state == "submit-uncertain":
            raise JobFailed(f"submit-uncertain at {provider.name} ({row.reason}); nothing was sent again. "
                            + resolve_hint(plan_file, spec.shot_id, spec.take, spec.kind))  # fmt: skip
        with concurrency_slot(project_folder, provider):
            if row is None:
                row = _submit(tasks, provider, request, spec, plan_file)
            original = _original(tasks, provider, row, request, store, spec, report)
        try:
            return _conform(spec, request, original, store)
        except ProviderError as exc:  # the service's file does not decode: that task failed, the next render submits anew
            tasks.mark(row.id, "failed", reason=scrub(f"the output failed verification: {exc}"))
            raise
    except ProviderUnavailable as exc:
        raise TransientJobError(scrub(f"{provider.name} could not be read ({exc}); the task stays in flight, "
                                      "`shotcraft render` again resumes it")) from None  # fmt: skip
    except driver.StillRunning as exc:
        raise JobFailed(scrub(f"{exc} at {provider.name}; the task stays in flight, `shotcraft render` again resumes it")) from None
    except ProviderError as exc:
        raise JobFailed(scrub(f"{provider.name}: {exc}")) from None
    finally:
        tasks.close()


def build_request(spec: JobSpec, backend: Any, keyframe_path: Path | None) -> RemoteRequest:
    references = tuple(Path(spec.files[k]) for k in sorted(spec.files) if k.startswith("reference:"))
    last = Path(spec.files["last_frame"]) if "last_frame" in spec.files else None
    return backend.remote_request(spec.kind, spec.request, first_frame=keyframe_path if spec.kind == "clip" else None,
                                  last_frame=last, references=references)  # fmt: skip


def _submit(tasks: RemoteTasks, provider: Any, request: RemoteRequest, spec: JobSpec, plan_file: str) -> TaskRow:
    """The one create call, between two committed receipts."""
    from shotcraft.render.work import JobFailed

    payload = scrub_data(provider.payload(request))
    estimate = _cost_dict(provider.estimate(request))
    row_id = tasks.begin(spec.key, provider.name, payload, estimate)
    try:
        task_id = provider.submit(request)
    except ProviderRefused as exc:
        tasks.mark(row_id, "refused", reason=scrub(exc))
        raise JobFailed(scrub(f"refused by {provider.name}: {exc}")) from None
    except ProviderError as exc:
        tasks.mark(row_id, "failed", reason=scrub(exc))
        raise JobFailed(scrub(f"{provider.name} answered the create call with an error: {exc}")) from None
    except ProviderUnavailable as exc:  # the provider's word that nothing was created (429 before acceptance)
        tasks.mark(row_id, "failed", reason=scrub(f"not created: {exc}"))
        raise JobFailed(scrub(f"{provider.name} did not take the job ({exc}); nothing was created, `shotcraft render` again submits it")) from None
    except InputError as exc:  # the provider's own checks (a missing url or key), made before anything is sent
        tasks.mark(row_id, "failed", reason=scrub(f"not sent: {exc}"))
        raise JobFailed(scrub(f"{provider.name}: {exc}")) from None
    except SubmitUncertain as exc:
        tasks.mark(row_id, "submit-uncertain", reason=scrub(exc))
        raise JobFailed(scrub(f"submit-uncertain at {provider.name} ({exc}); nothing was sent again. "
                              + resolve_hint(plan_file, spec.shot_id, spec.take, spec.kind))) from None  # fmt: skip
    except BaseException as exc:  # an SDK surprise after the request may have left: never assume it did not
        tasks.mark(row_id, "submit-uncertain", reason=scrub(f"{type(exc).__name__}: {exc}"))
        raise
    tasks.submitted(row_id, str(task_id))
    return next(r for r in tasks.history(spec.key) if r.id == row_id)


def _original(tasks: RemoteTasks, provider: Any, row: TaskRow, request: RemoteRequest, store: ObjectStore, spec: JobSpec,
              report: Callable[..., None] | None) -> Path:  # fmt: skip
    """The service's output as downloaded, committed to the store (reused when a killed run already fetched it)."""
    from shotcraft.render.work import JobFailed

    if row.state == "downloaded" and row.output_sha256:
        kept = store.verified(row.output_sha256, row.output_ext)
        if kept is not None:
            return kept
    assert row.task_id is not None
    resume = getattr(provider, "resume", None)
    if resume is not None:  # optional hook: a provider that needs the request to find the task (ComfyUI's server)
        resume(row.task_id, request)

    def seen(status: Any) -> None:
        if report is not None and status.progress is not None and spec.kind == "clip":
            report(int(max(0.0, min(1.0, float(status.progress))) * spec.work_units))

    status = driver.wait_for(provider, row.task_id, on_status=seen)
    details = scrub_data(dict(status.details or {}))
    if status.state in ("failed", "refused"):
        reason = scrub(status.reason or "no reason given")
        tasks.mark(row.id, status.state, reason=reason, model_version=status.model_version, details=details)
        verb = "refused by" if status.state == "refused" else "failed at"
        raise JobFailed(f"{verb} {provider.name} (task {row.task_id}): {reason}")
    with store.temp_path("download") as temp:
        driver.download(provider, status, temp)
        ext = output.original_ext(temp, what=f"shot {spec.shot_id} take {spec.take}")
        sha, path, _ = store.commit(temp, ext)
    tasks.downloaded(row.id, sha, ext, model_version=status.model_version, details=details)
    return path


def _conform(spec: JobSpec, request: RemoteRequest, original: Path, store: ObjectStore) -> tuple:
    from shotcraft.render.work import JobFailed, conform_image
    from shotcraft.media.video import probe

    what = f"shot {spec.shot_id} take {spec.take}"
    width, height = int(spec.request["width"]), int(spec.request["height"])
    if spec.kind == "keyframe":
        image = conform_image(output.read_still(original, what=what), width, height)
        ok, encoded = cv2.imencode(".png", cv2.cvtColor(image, cv2.COLOR_RGB2BGR))
        if not ok:
            raise JobFailed("PNG encoding failed")
        sha, _, size = store.put_bytes(encoded.tobytes(), KEYFRAME_FORMAT)
        return sha, size, None, None, width, height, KEYFRAME_FORMAT
    info = output.verify_video(original, what=what)
    rate, expected = request.fps, int(spec.request["frames"])
    with store.temp_path("mp4") as temp:
        with TakeEncoder(temp, width, height, rate) as writer:
            for frame in output.clip_frames(info, rate, expected):
                writer.write(conform_image(frame, width, height))
        if probe(temp).frames != expected:
            raise JobFailed(f"the conformed clip does not hold {expected} frames")
        sha, _, size = store.commit(temp, "mp4")
    return sha, size, expected, format_rate(rate), width, height, "mp4"


@contextlib.contextmanager
def concurrency_slot(project_folder: Path, provider: Any) -> Iterator[None]:
    """One of the provider's ``concurrency`` slots, across every process rendering this film (file locks)."""
    from filelock import FileLock, Timeout

    count = max(1, int(getattr(provider, "concurrency", 1) or 1))
    folder = project_folder / SLOTS_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    while True:
        for index in range(count):
            lock = FileLock(str(folder / f"{provider.name}.{index}.lock"))
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            try:
                yield
            finally:
                lock.release()
            return
        time.sleep(SLOT_WAIT_S)


def _cost_dict(cost: Cost) -> dict[str, Any]:
    return {"amount": round(float(cost.amount), 4), "currency": cost.currency, "basis": cost.basis}


# --- before any create call: check, price, hold to the budget ---------------------------------------


@dataclass
class JobEstimate:
    spec: JobSpec
    provider: str
    state: str  # "submit" (a new paid call), "resume" (in flight: already paid), "uncertain" (needs resolving)
    cost: Cost | None = None


@dataclass
class RunEstimate:
    jobs: list[JobEstimate] = field(default_factory=list)

    def per_provider(self) -> dict[str, float]:
        totals: dict[str, float] = {}
        for job in self.jobs:
            if job.state == "submit" and job.cost is not None:
                totals[job.provider] = round(totals.get(job.provider, 0.0) + float(job.cost.amount), 4)
        return dict(sorted(totals.items()))

    @property
    def total(self) -> float:
        return round(sum(self.per_provider().values()), 4)

    def lines(self) -> list[str]:
        out = []
        for job in self.jobs:
            spec = job.spec
            if job.state == "submit" and job.cost is not None:
                out.append(f"  {spec.shot_id} {spec.take} {spec.kind} on {job.provider}: ${job.cost.amount:.2f} ({job.cost.basis})")
            elif job.state == "resume":
                out.append(f"  {spec.shot_id} {spec.take} {spec.kind} on {job.provider}: in flight, resumed (no new cost)")
            else:
                out.append(f"  {spec.shot_id} {spec.take} {spec.kind} on {job.provider}: submit-uncertain, not sent (resolve it first)")
        for provider, amount in self.per_provider().items():
            out.append(f"  {provider}: ${amount:.2f}")
        out.append(f"  estimated total: ${self.total:.2f}")
        return out

    def to_dict(self) -> dict[str, Any]:
        return {"total_usd": self.total, "per_provider_usd": self.per_provider(),
                "jobs": [{"shot": j.spec.shot_id, "take": j.spec.take, "kind": j.spec.kind, "provider": j.provider, "state": j.state,
                          **({"usd": round(float(j.cost.amount), 4), "basis": j.cost.basis} if j.cost else {})} for j in self.jobs]}  # fmt: skip


def estimate_run(plan_root: Path, ledger_path: Path | None, specs: list[JobSpec], *, read_only: bool) -> RunEstimate:
    """Price the remote jobs among ``specs`` and check each offline (the provider builds its payload); no network."""
    estimate = RunEstimate()
    remote = [s for s in specs if is_remote(get_backend(s.backend, shot_id=s.shot_id))]
    if not remote:
        return estimate
    tasks = RemoteTasks(ledger_path, read_only=read_only) if ledger_path is not None else None
    try:
        with prices.plan_prices(plan_root):
            for spec in remote:
                backend = get_backend(spec.backend, shot_id=spec.shot_id)
                row = tasks.current(spec.key) if tasks is not None else None
                if row is not None:
                    state = "uncertain" if row.state in ("submitting", "submit-uncertain") else "resume"
                    estimate.jobs.append(JobEstimate(spec, backend.name, state))
                    continue
                request = build_request(spec, backend, None)
                where = f"shot {spec.shot_id} take {spec.take} {spec.kind}"
                try:
                    backend.provider.payload(request)  # mapping and option errors surface here, before anything is sent
                    cost = backend.provider.estimate(request)
                except ShotcraftError as exc:
                    raise InputError(scrub(f"{where}: {backend.name}: {exc}")) from None
                estimate.jobs.append(JobEstimate(spec, backend.name, "submit", cost))
    finally:
        if tasks is not None:
            tasks.close()
    return estimate


def preflight(estimate: RunEstimate, *, budget: float | None, confirm: Callable[[str], bool] | None) -> None:
    """Check against the service where the provider can (ComfyUI's /object_info), then the budget. Before any create."""
    for job in estimate.jobs:
        if job.state != "submit":
            continue
        backend = get_backend(job.spec.backend, shot_id=job.spec.shot_id)
        check = getattr(backend.provider, "preflight", None)
        if check is None:
            continue
        try:
            check(build_request(job.spec, backend, None))
        except ShotcraftError as exc:
            raise InputError(scrub(f"shot {job.spec.shot_id} take {job.spec.take} {job.spec.kind}: {backend.name}: {exc}")) from None
    if budget is None or estimate.total <= budget + 1e-9:
        return
    message = f"estimated cost ${estimate.total:.2f} is over the budget of ${budget:.2f}:\n" + "\n".join(estimate.lines())
    if confirm is not None and confirm(message + "\nsubmit anyway?"):
        return
    raise BudgetExceeded(message + "\nnothing was submitted (raise production.budget_usd or pass --budget, or render fewer shots)")


def resolve_uncertain(ledger_path: Path, job_key: str, *, task_id: str | None) -> TaskRow:
    tasks = RemoteTasks(ledger_path)
    try:
        return tasks.resolve(job_key, task_id=task_id)
    finally:
        tasks.close()
