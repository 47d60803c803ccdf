"""The HTML pages, rendered from the hand-made model of the 16 July 2025 outage."""

from __future__ import annotations

import gzip
import re
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from generator.load.config import Component
from generator.model.compute import DayBar, Group, SiteModel
from generator.model.states import Overall
from generator.render.base import context
from generator.render.i18n import Translator, catalogue
from generator.render.pages import outputs
from generator.resources import site_templates
from generator.texts import LANGUAGES
from tests.factories import sample_model
from tests.rendering import render

OUTAGE = "incidents/2025-07-16-login.html"
PAGES = ("index.html", OUTAGE, "incidents/2025-06-24-api.html",
         "incidents/2025-07-20-db.html", "components/chat.html", "components/video.html",
         "components/api.html", "components/login.html", "history.html",
         "history/2025-07.html", "history/2025-06.html", "uptime/index.html",
         "uptime/chat.html", "uptime/video.html", "uptime/api.html", "uptime/login.html",
         "404.html")


def _site(model: SiteModel) -> dict[str, str]:
    files = dict(render(outputs, context(model)))
    return {path: data.decode("utf-8") for path, data in files.items()}


@pytest.fixture(scope="module", params=["id", "en"])
def site_pages(request: pytest.FixtureRequest) -> dict[str, str]:
    return _site(sample_model(request.param))


@pytest.fixture(scope="module")
def site_id() -> dict[str, str]:
    return _site(sample_model("id"))


@pytest.fixture(scope="module")
def site_en() -> dict[str, str]:
    return _site(sample_model("en"))


def _text(html: str) -> str:
    """The page's visible text, tags dropped and whitespace collapsed."""
    html = re.sub(r"<(style|title)>.*?</\1>", " ", html, flags=re.S)
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_every_page_is_rendered(site_pages: dict[str, str]) -> None:
    assert sorted(site_pages) == sorted(PAGES)


def test_pages_declare_the_site_language(site_id: dict[str, str],
                                         site_en: dict[str, str]) -> None:
    for html in site_id.values():
        assert '<html lang="id">' in html
    for html in site_en.values():
        assert '<html lang="en">' in html


def test_incident_page_in_indonesian(site_id: dict[str, str]) -> None:
    text = _text(site_id[OUTAGE])
    assert "Tingkat kesalahan tinggi dan kegagalan login" in text
    assert "Mulai 16 Juli 2025 06.15 WIB" in text
    assert "Durasi 2 jam 25 menit" in text
    assert "Dampak Kritis" in text
    assert "Nusa Chat Gangguan besar" in text
    assert "API Kinerja menurun" in text


def test_incident_page_in_english(site_en: dict[str, str]) -> None:
    text = _text(site_en[OUTAGE])
    assert "Started 16 July 2025 06:15 WIB" in text
    assert "Duration 2 hours 25 minutes" in text
    assert "Affected components" in text


def test_timeline_is_newest_first_with_markdown(site_id: dict[str, str]) -> None:
    html = site_id[OUTAGE]
    statuses = re.findall(r'<strong class=status>([^<]+)</strong>', html)
    assert statuses == ["Selesai", "Dipantau", "Penyebab ditemukan", "Sedang diselidiki"]
    assert "Sebagian besar pengguna <strong>tertahan</strong> di layar login." in html
    assert "Apa yang terjadi dan apa yang kami ubah." in html  # the postmortem


def test_maintenance_page_shows_its_window(site_id: dict[str, str]) -> None:
    text = _text(site_id["incidents/2025-07-20-db.html"])
    assert "Jadwal pemeliharaan 20 Juli 2025 01.00 – 03.00 WIB" in text
    assert "Status Terjadwal" in text


def test_open_incident_shows_ongoing_and_its_latest_update() -> None:
    model = sample_model("en")
    outage = model.incidents[1]
    updates = outage.updates[1:]  # drop "resolved": the incident is open again
    open_view = replace(outage, status=updates[0].status, end=None, duration=None,
                        is_open=True, updates=updates,
                        incident=replace(outage.incident, updates=tuple(reversed(updates))))
    model = replace(model, incidents=(model.incidents[0], open_view, model.incidents[2]))
    pages = _site(model)
    assert "Duration Ongoing" in _text(pages[OUTAGE])
    # The postmortem comes after the resolution: not shown while the incident is open.
    assert "Postmortem" not in _text(pages[OUTAGE])
    assert "Apa yang terjadi" not in pages[OUTAGE]
    index = _text(pages["index.html"])
    assert ("Ongoing incidents Tingkat kesalahan tinggi dan kegagalan login Monitoring · "
            "16 July 2025 08:10 WIB Perbaikan sudah diterapkan; kami memantau.") in index


def test_script_in_a_message_is_escaped() -> None:
    model = sample_model("en")
    outage = model.incidents[1]
    evil = replace(outage.updates[0], message='<script>alert("x")</script> **done**')
    model = replace(model, incidents=(model.incidents[0],
                                      replace(outage, updates=(evil, *outage.updates[1:])),
                                      model.incidents[2]))
    html = _site(model)[OUTAGE]
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; <strong>done</strong>" in html


def test_index_shows_banner_detection_components_and_recent(site_id: dict[str, str]) -> None:
    html = site_id["index.html"]
    assert '<h1 class="banner i-minor">Kinerja Layanan Menurun Sebagian</h1>' in html
    text = _text(html)
    # The notice says since when and for how long, links the component, takes its colour.
    assert ("Kinerja menurun pada API sejak 09.48 WIB, sudah 12 menit, terdeteksi oleh "
            "pemantauan. Belum ada insiden yang diumumkan.") in re.sub(r"<[^>]+>", "", html)
    assert ('<p class="notice n-d">Kinerja menurun pada <a href="components/api.html">API</a>'
            ' sejak <time datetime="2025-07-16T09:48:00+07:00">09.48 WIB</time>') in html
    assert "Terakhir diperbarui 16 Juli 2025 10.00 WIB" in text
    assert "Pemeliharaan terjadwal Peningkatan basis data 20 Juli 2025 01.00 – 03.00 WIB" in text
    assert text.index("Aplikasi Nusa Chat Beroperasi normal") < text.index(
        "Platform API Kinerja menurun") < text.index("Login Beroperasi normal")
    assert "Ketersediaan 99,89% (90 hari)" in text
    assert "Insiden dalam 14 hari terakhir Tingkat kesalahan tinggi" in text
    assert "Diberdayakan oleh Kabar" in text
    for link in ("history.html", "history.rss", "history.atom", "maintenance.ics",
                 "api/v2/summary.json", "components/api.html", OUTAGE):
        assert f'href="{link}"' in html


def test_no_recent_data_banner() -> None:
    model = replace(sample_model("id"), overall=Overall.NO_RECENT_DATA)
    html = _site(model)["index.html"]
    assert '<h1 class="banner i-no-data">Belum Ada Data Terbaru</h1>' in html


def test_quiet_fortnight_says_so() -> None:
    model = sample_model("en")
    pages = _site(replace(model, now=model.now + timedelta(days=20), months=()))
    assert "No incidents in the last 14 days." in _text(pages["index.html"])
    assert "No incidents have been reported." in _text(pages["history.html"])


def test_bar_tooltips_name_date_minutes_and_incident(site_id: dict[str, str]) -> None:
    html = site_id["index.html"]
    assert ('<a class=p href="incidents/2025-06-24-api.html"><span class=tip><b>24 Juni 2025'
            '</b><br>Gangguan sebagian: 1 jam 30 menit<br>API lambat</span></a>') in html
    assert 'aria-label="API: status setiap hari selama 90 hari terakhir"' in html
    # Quiet days carry no tooltip; the legend names every colour.
    assert html.count("<i></i>") + html.count("<i class=n></i>") == 4 * 90 - 4
    assert "<li class=n>Tidak ada data</li>" in html


def test_component_page(site_en: dict[str, str]) -> None:
    html = site_en["components/api.html"]
    text = _text(html)
    assert "API Degraded performance API untuk pengembang" in text
    assert "Last checked: 16 July 2025 09:58 WIB" in text
    assert "24 hours 89.93% 7 days 98.56% 30 days 99.66% 90 days 99.89%" in text
    assert "Last 24 hours (WIB)" in text
    for title in ("Peningkatan basis data", "Tingkat kesalahan tinggi", "API lambat"):
        assert title in text
    # Two charts, each an image with a text alternative, labelled axes.
    assert html.count("<svg class=chart role=img") == 2
    assert ("<desc id=\"api-24h-d\">Average 210 ms, fastest 150 ms, slowest 270 ms.</desc>"
            in html)
    assert ">500 ms</text>" in html and ">10:00</text>" in html and ">16 Jul</text>" in html
    assert 'href="https://status.nusa.example/components/api.rss"' in html
    assert 'href="https://status.nusa.example/components/api.atom"' in html


def test_component_without_probe(site_en: dict[str, str]) -> None:
    text = _text(site_en["components/login.html"])
    assert "Not monitored automatically: the state comes from posted incidents." in text
    assert "No response-time data yet." in text
    assert "No incidents reported." in text


def test_history_pages_link_months(site_id: dict[str, str]) -> None:
    history = site_id["history.html"]
    assert '<a href="history/2025-07.html">Juli 2025</a>' in history
    assert '<a href="history/2025-06.html">Juni 2025</a>' in history
    july = site_id["history/2025-07.html"]
    assert "<h1>Riwayat insiden: Juli 2025</h1>" in july
    assert '<a href="2025-06.html" rel="prev">← Juni 2025</a>' in july
    assert 'rel="next"' not in july
    june = site_id["history/2025-06.html"]
    assert '<a href="2025-07.html" rel="next">Juli 2025 →</a>' in june
    assert '<a href="../incidents/2025-06-24-api.html">API lambat</a>' in june


def test_history_shows_three_months_and_links_older() -> None:
    model = sample_model("en")
    june = model.months[1]
    older = tuple(replace(june, start=date(2025, n, 1)) for n in (5, 4, 3, 2))
    pages = _site(replace(model, months=(*model.months, *older)))
    text = _text(pages["history.html"])
    assert "July 2025" in text and "June 2025" in text and "May 2025" in text
    assert "Older months April 2025 March 2025 February 2025" in text
    assert sorted(p for p in pages if p.startswith("history/")) == [
        f"history/2025-0{n}.html" for n in range(2, 8)]


def test_links_are_relative_and_feeds_absolute(site_pages: dict[str, str]) -> None:
    for path, html in site_pages.items():
        feeds = re.findall(r'<link rel="alternate" type="application/(rss|atom)\+xml"'
                           r' title="[^"]+" href="([^"]+)">', html)
        assert [kind for kind, _ in feeds][:2] == ["rss", "atom"], path
        assert all(href.startswith("https://status.nusa.example/") for _, href in feeds)
        hrefs = re.findall(r'<a [^>]*href="([^"]+)"', html)
        if path != "404.html":
            assert not [h for h in hrefs if h.startswith(("/", "https://status.nusa"))], path
    # index.html, never "./" or "../": from file:// a folder opens as a directory listing.
    assert '<a class="brand" href="../index.html">' in site_pages[OUTAGE]
    assert '<a class="brand" href="index.html">' in site_pages["index.html"]
    assert not [h for page in site_pages.values() for h in re.findall(r'href="([^"]*)"', page)
                if h.endswith("/") and not h.startswith("https://")]
    assert '<a class="brand" href="https://status.nusa.example/">' in site_pages["404.html"]
    assert '<link rel="canonical" href="https://status.nusa.example/">' in site_pages["index.html"]


def test_every_page_is_one_request(site_pages: dict[str, str]) -> None:
    for path, html in site_pages.items():
        # The scripts: an inline line beside the last check's time ("3 min ago"), and on every
        # page the one that adds the reader's own time.
        assert html.lower().count("<script") == html.count("<p class=meta id=checked>") + 1, path
        assert html.count("<script data-yours=") == 1, path
        assert not re.search(r'\ssrc=', html), path
        assert 'rel="stylesheet"' not in html, path
        assert re.search(r'<link rel="icon" href="data:image/svg\+xml,', html), path
        assert html.count("<style>") == 1 and "@media (prefers-color-scheme" in html, path
        assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
        assert "<header" in html and "<main" in html and "<footer" in html


def test_rendering_is_deterministic() -> None:
    first = list(render(outputs, context(sample_model("id"))))
    assert first == list(render(outputs, context(sample_model("id"))))


def test_incident_pages_do_not_change_with_the_clock() -> None:
    """Only what changes with an incident rewrites its page (see DESIGN.md's budget)."""
    model = sample_model("id")
    later = replace(model, now=model.now + timedelta(hours=1),
                    updated=model.updated + timedelta(hours=1),
                    overall=Overall.ALL_SYSTEMS_OPERATIONAL)
    before, after = dict(render(outputs, context(model))), dict(render(outputs, context(later)))
    for path in (OUTAGE, "history.html", "history/2025-07.html"):
        assert before[path] == after[path], path
    assert before["index.html"] != after["index.html"]


def _twenty_components() -> SiteModel:
    """20 components with a bad week each: the home page's size budget case."""
    model = sample_model("id")
    chat = model.components[0]
    title_ids = ("2025-07-16-login", "2025-06-24-api")
    views = []
    for n in range(20):
        bars = list(chat.bars)
        for k, state in enumerate(("major_outage", "partial_outage", "degraded_performance",
                                   "under_maintenance", "major_outage")):
            day = bars[10 + n + k * 13].day
            bars[10 + n + k * 13] = DayBar(day, state, {state: 30 + n, "major_outage": 5},
                                           (title_ids[k % 2],))
        bars[88] = DayBar(bars[88].day, "partial_outage", {"partial_outage": 12}, ())
        component = Component(f"service-{n:02d}", f"Layanan nomor {n + 1}", f"Grup {n // 5}")
        views.append(replace(chat, component=component, bars=tuple(bars)))
    groups = tuple(Group(f"Grup {g}", tuple(views[g * 5:g * 5 + 5]), "operational")
                   for g in range(4))
    config = replace(model.config, components=tuple(v.component for v in views))
    return replace(model, config=config, components=tuple(views), groups=groups, detected=())


def test_home_page_for_twenty_components_fits_the_budget() -> None:
    html = dict(render(outputs, context(_twenty_components())))["index.html"]
    text = html.decode("utf-8")
    assert text.count("<div class=bars") == 20
    assert text.count("<span class=tip>") == 20 * 7  # 6 bad days and the sample's outage
    assert len(html) <= 100 * 1024, len(html)
    assert len(gzip.compress(html, 9)) <= 14 * 1024, len(gzip.compress(html, 9))


def test_every_catalogue_has_every_word_with_the_same_fields() -> None:
    """A word missing from any language's .po file, or one that drops a {field}, fails."""
    folder: Path = site_templates() / "i18n"
    languages = sorted(path.stem for path in folder.glob("*.po"))
    assert languages == sorted(LANGUAGES)
    words = {language: catalogue(language) for language in languages}
    keys = set().union(*words.values())
    for language, found in words.items():
        assert keys - set(found) == set(), f"{language}.po lacks these words"
        assert all(found[key].strip() for key in keys), f"{language}.po has an empty word"
    for key in keys:
        assert len({frozenset(re.findall(r"\{(\w+)\}", found[key]))
                    for found in words.values()}) == 1, key


def test_templates_use_only_catalogued_page_keys() -> None:
    en = catalogue("en")
    used = set()
    for template in site_templates().glob("*.html"):
        used |= set(re.findall(r"""["'](page\.\w+)["']\|t\b""", template.read_text()))
    assert used and used <= set(en), used - set(en)


def test_component_without_uptime_says_so_instead_of_a_dash() -> None:
    model = sample_model("en")
    login = replace(model.components[3], uptime={key: None for key in model.components[3].uptime})
    groups = (*model.groups[:2], replace(model.groups[2], components=(login,)))
    pages = _site(replace(model, components=(*model.components[:3], login), groups=groups))
    # the desktop's label and the phone's (which CSS picks between)
    assert ("Login Operational 90 days ago 30 days ago No uptime data yet No uptime data yet "
            "Today") in _text(pages["index.html"])
    assert "24 hours — 7 days — 30 days — 90 days —" in _text(pages["components/login.html"])


@pytest.mark.parametrize("language", ["en", "id"])
@pytest.mark.parametrize("zone", ["Asia/Jakarta", "America/New_York", "Asia/Kolkata", "UTC"])
def test_memoised_formats_match_babel(language: str, zone: str) -> None:
    # The translator formats days, clock times and durations once each; what it writes must
    # be what Babel writes for the whole pattern, across a daylight-saving change.
    from babel.dates import format_datetime

    t = Translator(language, ZoneInfo(zone))
    clock = {"en": "HH:mm", "id": "HH.mm"}[language]
    start = datetime(2025, 3, 8, 23, 47, tzinfo=UTC)
    for n in range(0, 60 * 24 * 3, 37):  # across a daylight-saving change in New York
        value = start + timedelta(minutes=n)
        local = value.astimezone(t.tz)
        name = local.strftime("%Z")
        zone_name = name if name[0].isalpha() else "UTC" + name
        assert t.datetime(value) == format_datetime(
            local, f"d MMMM y {clock}", tzinfo=t.tz, locale=language) + " " + zone_name
        assert t.time(value) == format_datetime(
            local, clock, tzinfo=t.tz, locale=language) + " " + zone_name
        assert t.zone(value) == zone_name
        assert t.date(value) == format_datetime(local, "d MMMM y", tzinfo=t.tz, locale=language)
    assert t.duration(timedelta(hours=2, minutes=25, seconds=59)) == {
        "en": "2 hours 25 minutes", "id": "2 jam 25 menit"}[language]


def test_a_chart_with_a_single_point_draws_a_visible_dot() -> None:
    # A fresh site has one day of data: a one-point line would be invisible.
    from generator.render.charts import daily_chart

    model = sample_model("en")
    t = context(model).t
    today = t.local(model.now).date()
    svg = str(daily_chart(t, "c", [(today, 180.0)], 90, model.now))
    assert re.search(r'<polyline class=dot points="1000\.0,[\d.]+ 1000\.0,[\d.]+"', svg)


def test_a_major_outage_notice_is_red_like_the_banner() -> None:
    model = sample_model("en")
    detection = replace(model.detected[0], state="major_outage",
                        since=model.now - timedelta(days=1, minutes=30))
    api = replace(model.component("api"), state="major_outage")
    components = tuple(api if cv.id == "api" else cv for cv in model.components)
    html = _site(replace(model, detected=(detection,), components=components,
                         overall=Overall.MAJOR_SYSTEM_OUTAGE))["index.html"]
    assert '<h1 class="banner i-critical">' in html
    assert '<p class="notice n-m">' in html  # red, as the banner: not amber
    assert ("Major outage on API since 15 July 2025 09:30 WIB, for 1 day 30 minutes so far, "
            "detected by monitoring.") in re.sub(r"<[^>]+>", "", html)
    css = (site_templates() / "style.css").read_text(encoding="utf-8")
    assert ".notice.n-m { border-left-color: var(--b-m); }" in css


@pytest.mark.parametrize(("seconds", "en", "id_"), [
    (0, "less than a minute", "kurang dari semenit"),
    (59, "less than a minute", "kurang dari semenit"),
    (60, "1 minute", "1 menit"),
    (3600 + 60, "1 hour 1 minute", "1 jam 1 menit"),
])
def test_durations_under_a_minute_say_so(seconds: int, en: str, id_: str) -> None:
    for language, expected in (("en", en), ("id", id_)):
        t = Translator(language, ZoneInfo("UTC"))
        assert t.duration(timedelta(seconds=seconds)) == expected


def test_an_incident_resolved_within_its_minute_is_not_0_minutes() -> None:
    model = sample_model("en")
    view = model.incident("2025-07-16-login")
    quick = replace(view, end=view.start, duration=timedelta(0))
    pages = _site(replace(model, incidents=tuple(
        quick if v is view else v for v in model.incidents)))
    text = _text(pages[quick.path])
    assert "Duration less than a minute" in text and "0 minutes" not in text


def test_uptime_says_how_much_data_it_rests_on() -> None:
    model = sample_model("en")
    api = model.component("api")
    spans = {"24h": timedelta(hours=3, minutes=20), "7d": timedelta(hours=3, minutes=20),
             "30d": timedelta(hours=3, minutes=20), "90d": timedelta(hours=3, minutes=20)}
    fresh = replace(api, uptime={**api.uptime, "90d": 99.2, "24h": 99.2}, uptime_data=spans)
    components = tuple(fresh if cv.id == "api" else cv for cv in model.components)
    groups = tuple(replace(g, components=tuple(fresh if cv.id == "api" else cv
                                               for cv in g.components)) for g in model.groups)
    pages = _site(replace(model, components=components, groups=groups))
    assert "99.20% uptime over 3 hours of data" in _text(pages["index.html"])
    assert "90 days 99.20% over 3 hours of data" in _text(pages["components/api.html"])
    # A component whose data covers the windows keeps the plain figure.
    assert "99.89% uptime (90 days)" in _text(pages["index.html"])


def test_a_lone_chart_point_is_not_clipped_at_the_edge() -> None:
    from generator.render.charts import recent_chart

    model = sample_model("en")
    t = context(model).t
    svg = str(recent_chart(t, "c", [(model.now, 180.0)], model.now))
    # The dot sits on the plot's right edge: the plot must not cut it in half.
    assert re.search(r'<polyline class=dot points="1000\.0,[\d.]+ 1000\.0,[\d.]+"', svg)
    assert re.search(r'<svg y="\d+" width="100%" height="\d+" overflow="visible"', svg)


def test_two_sites_made_in_one_process_keep_their_own_language() -> None:
    """Every build's templates once shared one dict of globals (a Jinja overlay shares its
    parent's): the English site's pages, made once the Indonesian site's were set up, came
    out in Indonesian."""
    english = render(outputs, context(sample_model("en")))
    indonesian = render(outputs, context(sample_model("id")))
    first_english = next(english)  # the English renderer is set up first
    pages_id, pages_en = dict(indonesian), dict(english)
    pages_en[first_english[0]] = first_english[1]
    assert "<h1>Page not found</h1>" in pages_en["404.html"].decode()
    assert "<h1>Halaman tidak ditemukan</h1>" in pages_id["404.html"].decode()
    home = pages_en["index.html"].decode()
    assert ">History</a>" in home and "Riwayat" not in home
