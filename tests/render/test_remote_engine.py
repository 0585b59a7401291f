"""The remote-job engine through a local ComfyUI: an uncertain create is never repeated and is resolvable, the
budget is enforced before any create call, and no credential reaches a file or an output."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from shotcraft.backends.remote import comfyui
from shotcraft.cli import app
from shotcraft.plan import load_plan
from shotcraft.render.engine import render_plan
from shotcraft.render.remote import BudgetExceeded, concurrency_slot
from shotcraft.render.store import open_project
from tests.backends.remote.fake_comfyui import serve
from tests.backends.remote.helpers import write_plan

runner = CliRunner()


@pytest.fixture
def comfy():
    with serve() as server:
        yield server


def test_a_create_timeout_is_shown_resolvable_and_never_resubmitted(comfy, tmp_path, monkeypatch):
    fake, url = comfy
    monkeypatch.setattr(comfyui, "CREATE_TIMEOUT_S", 0.3)
    fake.stall_create_s = 2.0  # the server queues the prompt, the answer arrives after the client gave up
    path = write_plan(tmp_path / "film", url)
    plan = load_plan(path)
    report = render_plan(plan, jobs=1, progress=False)
    assert [o.kind for o in report.failed] == ["clip"] and "submit-uncertain" in report.failed[0].error
    assert fake.creates == 1
    listing = runner.invoke(app, ["takes", str(path)], terminal_width=200)
    assert "submit-uncertain" in listing.output and "shotcraft remote resolve" in listing.output
    assert runner.invoke(app, ["takes", str(path), "--format", "json"]).output.count('"state": "submit-uncertain"') == 1

    fake.stall_create_s = 0.0
    again = render_plan(plan, jobs=1, progress=False)  # still uncertain: nothing is sent again
    assert not again.ok and fake.creates == 1

    prompt_id = next(iter(fake.history))  # what the user finds in the server's queue/history
    resolved = runner.invoke(app, ["remote", "resolve", str(path), "s01", "A", "--task-id", prompt_id])
    assert resolved.exit_code == 0, resolved.output
    final = render_plan(plan, jobs=1, progress=False)
    assert final.ok and fake.creates == 1  # the existing task was followed, not a new one created
    assert open_project(plan).take("s01", "A").done


def test_resubmit_allows_one_new_create(comfy, tmp_path, monkeypatch):
    fake, url = comfy
    monkeypatch.setattr(comfyui, "CREATE_TIMEOUT_S", 0.3)
    fake.stall_create_s = 2.0
    path = write_plan(tmp_path / "film", url)
    render_plan(load_plan(path), jobs=1, progress=False)
    fake.stall_create_s = 0.0
    wrong = runner.invoke(app, ["remote", "resolve", str(path), "s01", "A"])
    assert wrong.exit_code != 0 and "exactly one of --task-id ID or --resubmit" in wrong.output
    assert runner.invoke(app, ["remote", "resolve", str(path), "s01", "A", "--resubmit"]).exit_code == 0
    assert render_plan(load_plan(path), jobs=1, progress=False).ok and fake.creates == 2
    tasks = runner.invoke(app, ["remote", "tasks", str(path)], terminal_width=200).output
    assert "abandoned" in tasks and "downloaded" in tasks


def _priced(folder: Path, per_second: float) -> None:
    (folder / "prices.toml").write_text(f'[comfyui."*"]\nper_second = {per_second}\n')


def test_over_budget_is_refused_with_the_estimate_before_any_create(comfy, tmp_path):
    fake, url = comfy
    path = write_plan(tmp_path / "film", url, shots=2, budget=1.5)
    _priced(path.parent, 1.0)  # two 1 s clips at $1/s: $2 > $1.50
    dry = runner.invoke(app, ["render", str(path), "--dry-run"], terminal_width=200)
    assert dry.exit_code == 0 and "estimated total: $2.00" in dry.output and "over the budget of $1.50" in dry.output
    dry_json = json.loads(runner.invoke(app, ["render", str(path), "--dry-run", "--format", "json"]).output)
    assert dry_json["cost"]["total_usd"] == 2.0 and dry_json["cost"]["per_provider_usd"] == {"comfyui": 2.0}
    refused = runner.invoke(app, ["render", str(path), "--no-progress"], terminal_width=200)
    assert refused.exit_code != 0
    assert "estimated cost $2.00 is over the budget of $1.50" in refused.output and "nothing was submitted" in refused.output
    assert fake.creates == 0 and not fake.uploads
    with pytest.raises(BudgetExceeded):  # the library asks a confirm callback; a no is a refusal
        render_plan(load_plan(path), jobs=1, progress=False, confirm=lambda message: "$2.00" not in message)
    assert fake.creates == 0
    assert runner.invoke(app, ["render", str(path), "--no-progress", "-j", "1", "--budget", "5"]).exit_code == 0
    assert fake.creates == 2


def test_no_credential_reaches_a_file_or_an_output(tmp_path):
    sentinel = "sk-SENTINEL-7f3a9c0d1e2b"
    with serve(token=sentinel) as (fake, url):
        fake.fail_with = f"upstream rejected Authorization: Bearer {sentinel} for shot s02"  # a server echoing the key
        monkey = pytest.MonkeyPatch()
        monkey.setenv("COMFYUI_TOKEN", sentinel)
        try:
            path = write_plan(tmp_path / "film", url, shots=1, stills_too=True)
            outputs = [runner.invoke(app, ["render", str(path), "--no-progress", "-j", "1", "--format", format_], terminal_width=400) for format_ in ("text", "json")]
            outputs += [runner.invoke(app, [*command, str(path)], terminal_width=200)
                        for command in (["takes"], ["remote", "tasks"], ["render", "--dry-run"])]  # fmt: skip
            outputs.append(runner.invoke(app, ["log", str(path), "s01", "A"]))
        finally:
            monkey.undo()
    assert fake.creates >= 1 and "upstream rejected Authorization: Bearer [redacted]" in outputs[0].output  # reported ...
    for result in outputs:
        assert sentinel not in result.output  # ... without the key
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.name == "ledger.sqlite" for p in written)
    for file in written:
        assert sentinel.encode() not in file.read_bytes(), file


def test_a_providers_concurrency_holds_across_threads(tmp_path):
    class Provider:
        name, concurrency = "slow", 1

    inside, second_in, leave = threading.Event(), threading.Event(), threading.Event()

    def first() -> None:
        with concurrency_slot(tmp_path, Provider()):
            inside.set()
            leave.wait(10)

    def second() -> None:
        inside.wait(10)
        with concurrency_slot(tmp_path, Provider()):
            second_in.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    inside.wait(10)
    assert not second_in.wait(0.3)  # the one slot is held: the second task waits ...
    leave.set()
    for thread in threads:
        thread.join(10)
    assert second_in.is_set()  # ... and runs once it is free
