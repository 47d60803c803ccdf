"""The build cache: a warm build writes what a cold one writes, and only what changed."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from generator import resources
from generator.errors import BuildError, ValidationError
from generator.history.record import record
from generator.load import yamlsource
from generator.load.config import load_config
from generator.render import base as render_module
from generator.render import output as output_module
from generator.render import pages
from generator.site import cache as cache_module
from generator.site import pool as pool_module
from generator.site.build import BuildResult
from tests.conftest import GOLDEN_SITE as FIXTURE
from tests.conftest import ROOT
from tests.sitebuild import build_site

NOW = "2025-07-16T10:00:00+07:00"
LATER = "2025-07-16T10:05:00+07:00"
EDITED = "incidents/2025-07-16-errors.yaml"


@pytest.fixture
def cached_site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The golden fixture site with its history, as the current folder; inputs 10 s old."""
    shutil.copy(FIXTURE / "status.yaml", tmp_path / "status.yaml")
    shutil.copytree(FIXTURE / "incidents", tmp_path / "incidents")
    config = load_config(tmp_path / "status.yaml")
    for results in sorted((FIXTURE / "results").glob("*.json")):
        record(tmp_path / "history", [results], config)
    _age(tmp_path)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _age(root: Path) -> None:
    """Date every file back 10 s, so its stat key is trusted (see cache.RACY_NS)."""
    for path in root.rglob("*"):
        stamp = path.stat().st_mtime_ns - 10_000_000_000
        os.utime(path, ns=(stamp, stamp))


def _build(out: str = "_site", now: str = NOW, cache: str | None = ".kabar-cache",
           ) -> BuildResult:
    return build_site(Path("status.yaml"), Path("incidents"), Path("history"), Path(out), now=now,
                      cache=Path(cache) if cache else None)


def _files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def _incident_pages(result: BuildResult) -> list[str]:
    """The incident pages the build made (not kept from the last build), in order."""
    return [path for path in result.made if path.startswith("incidents/")]


def test_warm_builds_write_what_a_cold_build_writes(cached_site: Path) -> None:
    cold = _build()
    assert cold.report.written and (cached_site / ".kabar-cache" / "build.json").is_file()
    again = _build()
    assert again.model is None  # nothing was loaded: the cache showed nothing changed
    assert again.report.written == () and again.report.removed == ()
    # A later build (new probe data time) keeps the incident pages but must equal a cold one.
    later = _build(now=LATER)
    _build(out="_cold", now=LATER, cache=None)
    assert _files(cached_site / "_site") == _files(cached_site / "_cold")
    assert later.report.written  # the home page shows the time, so something changed


def test_a_later_build_renders_no_unchanged_incident_page(cached_site: Path) -> None:
    assert len(_incident_pages(_build())) == 2
    later = _build(now=LATER)
    assert later.model is not None and _incident_pages(later) == []


def test_an_update_that_time_reveals_remakes_its_page_from_the_same_file(
        cached_site: Path) -> None:
    """An incident page is keyed by its file's digest and by what ``now`` decides of it: the
    same bytes, once an update's time has come, make a new page, as a cold build shows."""
    path = cached_site / EDITED
    text = path.read_text().replace("status: resolved", "status: monitoring")
    path.write_text(text.replace("postmortem:", "  - at: 2025-07-16 10:03\n    status: resolved"
                                 "\n    message: Resolved again after a relapse.\npostmortem:"))
    _age(cached_site)
    _build()
    page = cached_site / "_site" / "incidents" / "2025-07-16-errors.html"
    assert "Resolved again after a relapse." not in page.read_text()  # not yet at 10.00
    later = _build(now=LATER)
    assert _incident_pages(later) == ["incidents/2025-07-16-errors.html"]
    assert "Resolved again after a relapse." in page.read_text()
    _build(out="_cold", now=LATER, cache=None)
    assert _files(cached_site / "_site") == _files(cached_site / "_cold")


def test_editing_an_incident_rewrites_only_the_files_that_show_it(
        cached_site: Path) -> None:
    _build()
    _build(out="_before", cache=None)
    path = cached_site / EDITED
    path.write_text(path.read_text().replace("Error rates are back to normal.",
                                             "Error rates are back to normal (edited)."))
    result = _build()
    assert _incident_pages(result) == ["incidents/2025-07-16-errors.html"]
    page = (cached_site / "_site" / "incidents" / "2025-07-16-errors.html").read_text()
    assert "Error rates are back to normal (edited)." in page
    # Exactly the files whose bytes changed, as two builds without a cache show them.
    _build(out="_after", cache=None)
    before, after = _files(cached_site / "_before"), _files(cached_site / "_after")
    changed = {name for name in after if before.get(name) != after[name]}
    assert set(result.report.written) == changed
    assert "incidents/2025-07-16-errors.html" in changed
    assert "incidents/2025-07-20-upgrade.html" not in changed
    assert _files(cached_site / "_site") == after


def test_a_touched_but_unchanged_incident_is_not_parsed_again(
        cached_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    parsed: list[str] = []

    def counting(parse: Callable[[str, str], yamlsource.Source],
                 ) -> Callable[[str, str], yamlsource.Source]:
        def counted(text: str, path: str) -> yamlsource.Source:
            parsed.append(path)
            return parse(text, path)
        return counted

    # status.yaml is parsed with positions, incident files fast (positions only on an error)
    monkeypatch.setattr(yamlsource, "loads", counting(yamlsource.loads))
    monkeypatch.setattr(yamlsource, "loads_fast", counting(yamlsource.loads_fast))
    incidents = sorted(f"incidents/{p.name}" for p in (cached_site / "incidents").iterdir())
    _build()
    assert sorted(parsed) == sorted(["status.yaml", *incidents])  # the spy sees every parse
    for path in (cached_site / "incidents").iterdir():
        os.utime(path)  # as a fresh checkout does
    parsed.clear()
    result = _build()
    assert parsed == ["status.yaml"] and result.report.written == ()


def test_an_untouched_incident_is_not_even_read_again(
        cached_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    read_text = yamlsource.read_text

    def counting(path: Path, shown: str) -> tuple[str, str]:
        read.append(shown)
        return read_text(path, shown)

    monkeypatch.setattr(yamlsource, "read_text", counting)
    _build()
    assert len([name for name in read if name.startswith("incidents/")]) == 2
    read.clear()
    result = _build(now=LATER)  # a new time: the model is computed again, from the cache
    assert result.model is not None and len(result.model.incidents) == 2
    assert [name for name in read if name.startswith("incidents/")] == []


@pytest.fixture
def own_templates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A copy of site_templates/ that the build uses instead of the shipped one."""
    copy = tmp_path / "templates"
    shutil.copytree(resources.site_templates(), copy)

    def clear() -> None:
        render_module.environment.cache_clear()
        output_module.templates_digest.cache_clear()
        cache_module.engine_stamp.cache_clear()

    for module in (resources, render_module, pages):
        monkeypatch.setattr(module, "site_templates", lambda: copy)
    clear()
    yield copy
    monkeypatch.undo()
    clear()


def test_a_template_edit_invalidates_the_cache(cached_site: Path, own_templates: Path) -> None:
    _build()
    template = own_templates / "incident.html"
    template.write_text(template.read_text().replace("<h1>", "<h1 class=edited>"))
    output_module.templates_digest.cache_clear()
    cache_module.engine_stamp.cache_clear()
    render_module.environment.cache_clear()
    assert len(_incident_pages(_build())) == 2
    for page in (cached_site / "_site" / "incidents").iterdir():
        assert "<h1 class=edited>" in page.read_text()


def test_another_kabar_version_invalidates_the_cache(
        cached_site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    _build()
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    cache_module.engine_stamp.cache_clear()
    try:
        result = _build()
    finally:
        monkeypatch.undo()
        cache_module.engine_stamp.cache_clear()
    assert result.model is not None and len(_incident_pages(result)) == 2


@pytest.mark.parametrize("damage", [
    b"\x00\xff not json",
    b'{"stamp": "',
    b"[]",
    None,  # a well-formed file of this Kabar with the wrong shapes inside
], ids=["binary", "truncated", "not-a-document", "wrong-shapes"])
def test_a_damaged_cache_is_ignored(cached_site: Path, damage: bytes | None) -> None:
    _build()
    expected = _files(cached_site / "_site")
    shutil.rmtree(cached_site / "_site")
    for name in ("build.json", "incidents.json"):
        path = cached_site / ".kabar-cache" / name
        if damage is None:
            document = json.loads(path.read_text())
            data = document["data"]
            if name == "build.json":
                data["manifest"] = {"index.html": "nonsense"}
            else:  # right stat keys and digests, a broken incident
                data["files"] = {name: [*entry[:3], ["broken"], 7]
                                 for name, entry in data["files"].items()}
            path.write_text(json.dumps(document))
        else:
            path.write_bytes(damage)
    result = _build()
    assert result.model is not None
    assert _files(cached_site / "_site") == expected


def test_many_incidents_use_a_worker_and_build_the_same(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copy(FIXTURE / "status.yaml", tmp_path / "status.yaml")
    (tmp_path / "incidents").mkdir()
    for n in range(600):  # above pool.MINIMUM: parsed and made on two processes
        (tmp_path / "incidents" / f"i-{n:03d}.yaml").write_text(
            f"title: Incident {n}\ncomponents: {{api: major_outage}}\nupdates:\n"
            f"  - {{at: 2025-07-{1 + n % 15:02d} {n % 24:02d}:00, status: resolved, "
            f"message: Fixed **{n}**.}}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KABAR_WORKERS", "2")
    two = _build(out="_two")
    assert two.workers and os.getpid() not in two.workers  # worker processes did the work
    monkeypatch.setenv("KABAR_WORKERS", "1")
    one = _build(out="_one", cache=None)
    assert one.workers == frozenset()
    assert _files(tmp_path / "_two") == _files(tmp_path / "_one")
    assert len(list((tmp_path / "_two" / "incidents").iterdir())) == 600


def test_a_strict_build_that_stops_leaves_no_worker_and_no_site(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cold build parses incident files on two workers and saves their cache on a third;
    when the build stops (here on a warning under --strict) they have ended, and nothing of
    the site is left."""
    shutil.copy(FIXTURE / "status.yaml", tmp_path / "status.yaml")
    (tmp_path / "incidents").mkdir()
    for n in range(600):  # above pool.MINIMUM files: parsed by workers
        (tmp_path / "incidents" / f"i-{n:03d}.yaml").write_text(
            f"title: Incident {n}\ncomponents: {{api: major_outage}}\nupdates:\n"
            f"  - {{at: 2025-07-{1 + n % 15:02d} {n % 24:02d}:00, status: investigating, "
            f"message: Looking at **{n}**.}}\n")
    (tmp_path / "incidents" / "late.yaml").write_text(
        "title: Late\ncomponents: {api: major_outage}\nupdates:\n"
        "  - {at: 2025-09-01 10:00, status: investigating, message: From the future.}\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KABAR_WORKERS", "2")
    started: list[int] = []

    class Spy(pool_module.Pool):  # type: ignore[type-arg]
        def __init__(self, *args: Any) -> None:
            super().__init__(*args)
            started.extend(self._executor._processes)  # type: ignore[attr-defined]

    monkeypatch.setattr(pool_module, "Pool", Spy)
    with pytest.raises(BuildError, match=r"1 warning and --strict is on"):
        build_site(Path("status.yaml"), Path("incidents"), Path("history"), Path("_site"),
                   now=NOW, strict=True, cache=Path(".kabar-cache"))
    # the two that parsed, and the one that saved the incidents' cache
    assert len(started) == 3 and os.getpid() not in started
    assert multiprocessing.active_children() == []
    for pid in started:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)  # ended and reaped
    left = sorted(p.name for p in tmp_path.iterdir())
    assert left == [".kabar-cache", "incidents", "status.yaml"]  # no site, no staging folder


def test_an_invalid_incident_is_reported_on_every_build(cached_site: Path) -> None:
    bad = cached_site / "incidents" / "bad.yaml"
    bad.write_text("title: x\nupdates: []\n")
    _age(bad)
    messages = []
    for _ in range(2):
        with pytest.raises(ValidationError) as caught:
            _build()
        messages.append([str(p) for p in caught.value.problems])
    assert messages[0] == messages[1] == [
        "incidents/bad.yaml:2:10: error: 'updates': expected at least one update; got []"]
    assert "bad.yaml" in (cached_site / ".kabar-cache" / "incidents.json").read_text()


def test_a_deleted_output_is_restored(cached_site: Path) -> None:
    _build()
    page = cached_site / "_site" / "incidents" / "2025-07-20-upgrade.html"
    data = page.read_bytes()
    page.unlink()
    result = _build()
    assert result.report.written == ("incidents/2025-07-20-upgrade.html",)
    assert page.read_bytes() == data


def _kabar(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("GITHUB_ACTIONS", "SOURCE_DATE_EPOCH")}
    environ["PYTHONPATH"] = str(ROOT)
    return subprocess.run([sys.executable, "-m", "generator", *args, "--now", NOW], cwd=cwd,
                          env=environ, capture_output=True, text=True, timeout=120)


def test_cache_options_of_kabar_build(cached_site: Path) -> None:
    first = _kabar("build", "--no-cache", cwd=cached_site)
    assert first.returncode == 0, first.stderr
    assert not (cached_site / ".kabar-cache").exists()
    built = _files(cached_site / "_site")
    second = _kabar("build", "--cache", "elsewhere", cwd=cached_site)
    assert second.returncode == 0, second.stderr
    assert (cached_site / "elsewhere" / "build.json").is_file()
    third = _kabar("build", "--cache", "elsewhere", cwd=cached_site)
    assert third.stdout.endswith("files, nothing changed\n"), third.stdout
    assert _files(cached_site / "_site") == built
    assert not (cached_site / ".kabar-cache").exists()
