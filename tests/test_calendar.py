"""``maintenance.ics``: RFC 5545 that calendar apps read back as written."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from generator.load.incidents import Incident, Update, Window
from generator.model.compute import IncidentView, SiteModel
from generator.render import calendar
from generator.render.base import context
from tests import rendering
from tests.factories import sample_model

LONG_ID = ("Kami akan memindahkan basis data utama ke pusat data baru di Surabaya; "
           "selama pemeliharaan, layanan “Nusa Chat”, API, dan pembuat video tidak dapat "
           "diakses. Mohon maaf atas ketidaknyamanannya — tim kami bekerja secepat mungkin.\n"
           "Rincian: \\ jadwal bisa berubah. 🙏 Terima kasih atas kesabaran Anda, Bapak/Ibu.")


def render(model: SiteModel) -> bytes:
    return dict(rendering.render(calendar.outputs, context(model)))["maintenance.ics"]


def unfold(data: bytes) -> list[tuple[str, str]]:
    """Content lines as (name with parameters, raw value), unfolded per RFC 5545 3.1."""
    text = data.decode("utf-8")
    assert text.endswith("\r\n")
    lines: list[str] = []
    for physical in text[:-2].split("\r\n"):
        if physical.startswith(" "):
            lines[-1] += physical[1:]
        else:
            lines.append(physical)
    return [(line.split(":", 1)[0], line.split(":", 1)[1]) for line in lines]


def unescape(value: str) -> str:
    out, i = [], 0
    while i < len(value):
        if value[i] == "\\":
            nxt = value[i + 1]
            out.append("\n" if nxt in "nN" else nxt)
            i += 2
        else:
            out.append(value[i])
            i += 1
    return "".join(out)


def events(data: bytes) -> list[dict[str, str]]:
    found: list[dict[str, str]] = []
    current: dict[str, str] | None = None
    for name, value in unfold(data):
        if (name, value) == ("BEGIN", "VEVENT"):
            current = {}
        elif (name, value) == ("END", "VEVENT"):
            assert current is not None
            found.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return found


def maintenance(message: str, updates: int = 1) -> IncidentView:
    start, end = datetime(2025, 8, 1, 18, 0, tzinfo=UTC), datetime(2025, 8, 1, 21, 0, tzinfo=UTC)
    ups = tuple(Update(datetime(2025, 7, 20 + n, 3, 0, tzinfo=UTC), "scheduled",
                       message if n == updates - 1 else f"Pesan {n}") for n in range(updates))
    inc = Incident("2025-08-02-dc", "Pindah pusat data; tahap 1, bagian 2",
                   {"api": "under_maintenance"}, ups, maintenance=Window(start, end))
    return IncidentView(inc, "scheduled", "maintenance", start, end, ups[-1].at, None, True,
                        tuple(reversed(ups)))


def test_calendar_has_the_required_properties_and_one_event_per_maintenance() -> None:
    data = render(sample_model())
    lines = unfold(data)
    assert lines[:6] == [("BEGIN", "VCALENDAR"), ("VERSION", "2.0"),
                         ("PRODID", "-//Kabar//Status page maintenance//EN"),
                         ("CALSCALE", "GREGORIAN"), ("METHOD", "PUBLISH"),
                         ("X-WR-CALNAME", "Nusa AI Status: pemeliharaan")]
    assert lines[-1] == ("END", "VCALENDAR")
    assert events(data) == [{
        "UID": "2025-07-20-db@status.nusa.example",
        "DTSTAMP": "20250714T030000Z",  # its latest update, not the build's clock
        "DTSTART": "20250719T180000Z",  # 01:00 WIB on 20 July
        "DTEND": "20250719T200000Z",
        "SUMMARY": "Peningkatan basis data",
        "DESCRIPTION": "Kami akan meningkatkan basis data utama.",
        "URL": "https://status.nusa.example/incidents/2025-07-20-db.html",
        "STATUS": "CONFIRMED",
        "SEQUENCE": "1",
    }]


def test_every_line_ends_in_crlf_within_75_octets() -> None:
    model = sample_model()
    data = render(replace(model, incidents=(maintenance(LONG_ID * 3),) + model.incidents))
    assert b"\n" not in data.replace(b"\r\n", b"")
    for line in data.split(b"\r\n")[:-1]:
        assert len(line) <= 75, line
        line.decode("utf-8")  # no line ends inside a multi-byte character


def test_long_indonesian_description_folds_and_reads_back_exactly() -> None:
    model = sample_model()
    data = render(replace(model, incidents=(maintenance(LONG_ID, updates=3),)
                          + model.incidents))
    first = events(data)[0]
    assert unescape(first["DESCRIPTION"]) == LONG_ID
    assert unescape(first["SUMMARY"]) == "Pindah pusat data; tahap 1, bagian 2"
    assert first["SUMMARY"] == "Pindah pusat data\\; tahap 1\\, bagian 2"
    assert first["SEQUENCE"] == "3"
    assert first["DTSTAMP"] == "20250722T030000Z"
    raw = data.decode("utf-8")
    assert "\r\n " in raw[raw.index("DESCRIPTION:"):]  # it was folded


def test_fold_never_splits_a_multibyte_character() -> None:
    model = sample_model()
    data = render(replace(model, incidents=(maintenance("é" * 100),)))  # 2 octets each
    raw = data.decode("utf-8")
    start = raw.index("DESCRIPTION:")
    parts = raw[start:raw.index("\r\nURL:")].encode("utf-8").split(b"\r\n")
    assert [len(p) for p in parts] == [74, 75, 65]  # 75 would cut an "é" in two
    assert all(p.decode("utf-8") for p in parts)
    assert unescape(events(data)[0]["DESCRIPTION"]) == "é" * 100


def test_text_is_escaped() -> None:
    model = sample_model()
    found = events(render(replace(model, incidents=(maintenance("a\\b;c,d\ne\r\nf"),))))
    assert found[0]["DESCRIPTION"] == "a\\\\b\\;c\\,d\\ne\\nf"


def test_description_is_plain_text_of_the_latest_update() -> None:
    model = sample_model()
    view = maintenance("Lihat **rincian** di [blog](https://blog.nusa.example/db).\n\n"
                       "<b>Terima</b> kasih.", updates=2)
    first = events(render(replace(model, incidents=(view,))))[0]
    assert unescape(first["DESCRIPTION"]) == (
        "Lihat rincian di blog (https://blog.nusa.example/db).\n\n<b>Terima</b> kasih.")


def test_completed_maintenance_stays_confirmed_and_incidents_are_left_out() -> None:
    model = sample_model()
    done = replace(model.incidents[0], status="completed", is_open=False)
    found = events(render(replace(model, incidents=(done,) + model.incidents[1:])))
    assert [(e["UID"], e["STATUS"]) for e in found] == [
        ("2025-07-20-db@status.nusa.example", "CONFIRMED")]


def test_same_model_gives_the_same_bytes() -> None:
    assert render(sample_model()) == render(sample_model())


def _read_by_every_parser(data: bytes) -> list[list[tuple[str, str]]]:
    """The events as (UID, SUMMARY), as read by icalendar (the writer's own reader), ical
    (Home Assistant's calendars) and vobject (Radicale's, and other CalDAV servers')."""
    import vobject
    from ical.calendar_stream import IcsCalendarStream
    from icalendar import Calendar

    text = data.decode("utf-8")
    by_icalendar = Calendar.from_ical(data)
    by_ical = IcsCalendarStream.calendar_from_ics(text)
    by_vobject = vobject.readOne(text)
    return [
        [(str(e["UID"]), str(e["SUMMARY"])) for e in by_icalendar.walk("VEVENT")],
        [(e.uid or "", e.summary or "") for e in by_ical.events],
        [(e.uid.value, e.summary.value) for e in getattr(by_vobject, "vevent_list", [])],
    ]


def test_calendar_parses_with_the_readers_calendar_apps_use() -> None:
    model = sample_model()
    data = render(replace(model, incidents=(maintenance(LONG_ID, updates=2),)
                          + model.incidents))
    expected = [("2025-08-02-dc@status.nusa.example", "Pindah pusat data; tahap 1, bagian 2"),
                ("2025-07-20-db@status.nusa.example", "Peningkatan basis data")]
    assert _read_by_every_parser(data) == [expected] * 3


def test_a_calendar_without_maintenance_holds_the_site_s_time_zone() -> None:
    """RFC 5545 3.6: a VCALENDAR holds at least one component. Without maintenance, the one
    is the site's VTIMEZONE, which calendar apps read and show nothing for."""
    model = sample_model()
    data = render(replace(model, incidents=model.incidents[1:]))
    names = [line for line in unfold(data) if line[0] in ("BEGIN", "END", "TZID")]
    assert names[:3] == [("BEGIN", "VCALENDAR"), ("BEGIN", "VTIMEZONE"),
                         ("TZID", "Asia/Jakarta")]
    assert names[-2:] == [("END", "VTIMEZONE"), ("END", "VCALENDAR")]
    assert events(data) == []
    assert _read_by_every_parser(data) == [[], [], []]
    from icalendar import Calendar

    assert [c.name for c in Calendar.from_ical(data).subcomponents] == ["VTIMEZONE"]
    assert render(replace(model, incidents=model.incidents[1:])) == data
