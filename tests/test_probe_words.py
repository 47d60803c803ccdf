"""Each probe failure has a stable reason code and its values beside its words, in the results
file, in history and on the page, in the site's language: nothing reads English back."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.history import Sample
from generator.history.files import decode_raw, encode_results
from generator.load.config import load_config
from generator.load.results import Result, Run, read_run, write_run
from generator.reasons import WORDS, part, say
from generator.render.base import context
from generator.render.i18n import Translator, catalogue
from generator.render.pages import outputs
from tests.factories import sample_model
from tests.rendering import render

AT = datetime(2026, 11, 24, 22, 0, tzinfo=UTC)
FIELD = re.compile(r"\{(\w+)\}")


@pytest.mark.parametrize("language", ["en", "id"])
def test_each_code_has_its_words_in_each_language(language: str) -> None:
    strings = catalogue(language)
    for code, english in WORDS.items():
        assert sorted(FIELD.findall(strings[f"reason.{code}"])) == \
            sorted(FIELD.findall(english)), code
    if language == "en":  # an English page says exactly what the results file says
        assert {code: strings[f"reason.{code}"] for code in WORDS} == WORDS


TWO = (part("slow", took="2.31 s", limit="2 s"),
       part("cert_expiring", date="2026-12-01", days="6"))


@pytest.mark.parametrize(("parts", "en", "id_"), [
    ((part("status", expected="2xx or 3xx", got="503"),), "expected 2xx or 3xx, got 503",
     "diharapkan 2xx atau 3xx, didapat 503"),
    ((part("timeout", limit="10 s"),), "timed out after 10 s", "habis waktu setelah 10 s"),
    (TWO, "answered in 2.31 s, over 2 s; certificate expires on 2026-12-01 (in 6 days)",
     "menjawab dalam 2.31 s, melebihi 2 s; sertifikat kedaluwarsa pada 2026-12-01 "
     "(6 hari lagi)"),
    ((part("keyword", text="'x; y'"),), "response contains 'x; y'", "respons memuat 'x; y'"),
], ids=["status", "timeout", "two-warnings", "separator-in-a-keyword"])
def test_the_page_says_a_failure_in_the_site_language(parts: tuple[tuple[str, dict[str, str]], ...],
                                                      en: str, id_: str) -> None:
    sample = Sample(AT, "down", None, say(parts), parts)
    assert say(parts) == en
    assert Translator("en", ZoneInfo("UTC")).reason(sample) == en
    assert Translator("id", ZoneInfo("Asia/Jakarta")).reason(sample) == id_


def test_history_keeps_the_reasons_and_older_lines_show_their_words_as_recorded() -> None:
    """Issue 16: history kept only the English ("connection refused") and the page parsed the
    words back with regular expressions to say them in Indonesian."""
    refused = (part("refused"),)
    line = encode_results(AT, ["eu"], {"api": ("down", None, "connection refused", refused)})
    assert json.loads(line)["results"]["api"] == ["down", None, "connection refused",
                                                  [["refused", {}]]]
    sample = decode_raw(json.loads(line)).samples["api"]
    indonesian = Translator("id", ZoneInfo("Asia/Jakarta"))
    assert indonesian.reason(sample) == "koneksi ditolak"
    older = decode_raw({"at": "2026-11-24T22:00:00Z", "locations": ["eu"],
                        "results": {"api": ["down", None, "connection refused"]}})
    assert indonesian.reason(older.samples["api"]) == "connection refused"  # as recorded


def test_the_results_file_carries_the_reason(tmp_path: Path) -> None:
    run = Run("default", AT, AT, (
        Result("api", AT, "down", None, 503, "expected 200, got 503", reason="status",
               parts=(part("status", expected="200", got="503"),)),
        Result("web", AT, "up", 12.5, 200)))
    write_run(run, tmp_path / "run.json")
    data = json.loads((tmp_path / "run.json").read_text())
    assert [(r["error"], r["reason"], r["reasons"]) for r in data["results"]] == [
        ("expected 200, got 503", "status", [["status", {"expected": "200", "got": "503"}]]),
        (None, None, [])]
    assert read_run(tmp_path / "run.json") == run


def test_an_older_results_file_without_reasons_is_read(tmp_path: Path) -> None:
    path = tmp_path / "old.json"
    path.write_text(json.dumps({
        "location": "eu", "started": "2026-11-24T22:00:00Z", "finished": "2026-11-24T22:00:01Z",
        "results": [{"component": "api", "at": "2026-11-24T22:00:00Z", "state": "down",
                     "latency_ms": None, "status_code": None, "error": "connection refused",
                     "attempts": 2, "network": True},
                    {"component": "db", "at": "2026-11-24T22:00:00Z", "state": "down",
                     "error": "words from elsewhere"}]}))
    results = read_run(path).results
    # no reason is read back from the words: those are shown as recorded
    assert [(r.error, r.reason, r.parts) for r in results] == \
        [("connection refused", None, ()), ("words from elsewhere", None, ())]


def test_max_body_is_read_from_status_yaml() -> None:
    fixture = Path(__file__).parent / "fixtures" / "validation" / "status" / "valid-full.yaml"
    probe = load_config(fixture).components[0].probe
    assert probe is not None and probe.max_body == 8 * 1024 * 1024


@pytest.mark.parametrize(("language", "said"), [
    ("id", "Pemeriksaan terakhir: diharapkan 2xx atau 3xx, didapat 503"),
    ("en", "Last check: expected 2xx or 3xx, got 503"),
])
def test_the_component_page_says_the_last_failure_in_the_site_language(
        language: str, said: str) -> None:
    model = sample_model(language)
    components = tuple(
        replace(cv, last=replace(cv.last, state="down", error="expected 2xx or 3xx, got 503",
                                 parts=(part("status", expected="2xx or 3xx", got="503"),)))
        if cv.id == "api" and cv.last else cv for cv in model.components)
    pages = dict(render(outputs, context(replace(model, components=components))))
    html = pages["components/api.html"]
    assert html is not None and said in html.decode("utf-8")
