"""A hand-made model for renderer tests, independent of the loaders and the model code."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone

from generator.history import Sample
from generator.load.config import Component, Config, Probe, Site
from generator.load.incidents import Incident, Update, Window
from generator.model.compute import (
    BAR_DAYS,
    ComponentView,
    DayBar,
    Detection,
    Group,
    IncidentView,
    Month,
    SiteModel,
)
from generator.model.states import Overall

NOW = datetime(2025, 7, 16, 3, 0, tzinfo=UTC)
WIB = timezone(timedelta(hours=7), "WIB")  # 10:00 WIB, after the outage was resolved


def _bars(today: date, bad: dict[date, tuple[str, dict[str, int], tuple[str, ...]]],
          first: date | None = None) -> tuple[DayBar, ...]:
    bars = []
    for n in range(BAR_DAYS - 1, -1, -1):
        day = today - timedelta(days=n)
        if first and day < first:
            bars.append(DayBar(day, "no_data", {}, ()))
        elif day in bad:
            state, minutes, ids = bad[day]
            bars.append(DayBar(day, state, minutes, ids))
        else:
            bars.append(DayBar(day, "operational", {}, ()))
    return tuple(bars)


def sample_model(language: str = "id") -> SiteModel:
    """The example story: chat, video and API down together on 16 July 2025."""
    site = Site(title="Nusa AI Status", url="https://status.nusa.example/",
                description="Status layanan Nusa AI", timezone="Asia/Jakarta",
                language=language)
    chat = Component("chat", "Nusa Chat", "Aplikasi", "Obrolan web dan seluler",
                     Probe("http", "https://chat.nusa.example/"))
    video = Component("video", "Nusa Video", "Aplikasi", "Pembuat video",
                      Probe("http", "https://video.nusa.example/"))
    api = Component("api", "API", "Platform", "API untuk pengembang",
                    Probe("http", "https://api.nusa.example/health"))
    login = Component("login", "Login", None, None, None, since=date(2025, 6, 1))
    config = Config(site, (chat, video, api, login))

    def t(h: int, m: int, day: int = 16, month: int = 7) -> datetime:
        return datetime(2025, month, day, h, m, tzinfo=UTC) - timedelta(hours=7)

    outage = Incident(
        "2025-07-16-login", "Tingkat kesalahan tinggi dan kegagalan login",
        {"chat": "major_outage", "video": "major_outage", "api": "degraded_performance"},
        (Update(t(6, 15), "investigating",
                "Sebagian besar pengguna **tertahan** di layar login. Kami sedang menyelidiki."),
         Update(t(7, 5), "identified", "Penyebabnya adalah pembaruan konfigurasi."),
         Update(t(8, 10), "monitoring", "Perbaikan sudah diterapkan; kami memantau."),
         Update(t(8, 40), "resolved", "Tingkat kesalahan kembali normal.")),
        impact="critical", postmortem="Apa yang terjadi dan apa yang kami ubah.",
        path="incidents/2025-07-16-login.yaml")
    june = Incident(
        "2025-06-24-api", "API lambat", {"api": "partial_outage"},
        (Update(t(13, 0, 24, 6), "investigating", "Permintaan API lambat."),
         Update(t(14, 30, 24, 6), "resolved", "Sudah normal.")),
        path="incidents/2025-06-24-api.yaml")
    upgrade = Incident(
        "2025-07-20-db", "Peningkatan basis data", {"api": "under_maintenance"},
        (Update(t(10, 0, 14), "scheduled", "Kami akan meningkatkan basis data utama."),),
        maintenance=Window(t(1, 0, 20), t(3, 0, 20)), path="incidents/2025-07-20-db.yaml")

    def view(inc: Incident, status: str, impact: str, end: datetime | None,
             is_open: bool) -> IncidentView:
        start = inc.maintenance.start if inc.maintenance else inc.updates[0].at
        end = inc.maintenance.end if inc.maintenance else end
        return IncidentView(inc, status, impact, start, end, inc.updates[-1].at,
                            None if inc.maintenance or end is None else end - start, is_open,
                            tuple(reversed(inc.updates)))

    v_outage = view(outage, "resolved", "critical", t(8, 40), False)
    v_june = view(june, "resolved", "major", t(14, 30, 24, 6), False)
    v_upgrade = view(upgrade, "scheduled", "maintenance", None, True)
    today = date(2025, 7, 16)
    day16 = ("major_outage", {"major_outage": 145}, ("2025-07-16-login",))
    last = Sample(NOW - timedelta(minutes=2), "up", 182.0)
    latency = tuple((NOW - timedelta(minutes=5 * i), 150.0 + (i % 7) * 20)
                    for i in range(288, 0, -1))
    daily = tuple((today - timedelta(days=n), 140.0 + n % 9) for n in range(89, -1, -1))
    uptime = {"24h": 89.93, "7d": 98.56, "30d": 99.66, "90d": 99.89}

    def cv(c: Component, state: str, bad: dict[date, tuple[str, dict[str, int],
           tuple[str, ...]]], ids: tuple[str, ...]) -> ComponentView:
        probed = c.probe is not None
        first = None if c.since is None else datetime.combine(c.since, time(), WIB)
        return ComponentView(c, state, "probe" if probed else "declared",
                             last if probed else None, _bars(today, bad, c.since),
                             uptime if probed else {**uptime, "24h": 100.0},
                             latency if probed else (), daily if probed else (), ids, None,
                             first)

    v_chat = cv(chat, "operational", {today: day16}, ("2025-07-16-login",))
    v_video = cv(video, "operational", {today: day16}, ("2025-07-16-login",))
    v_api = cv(api, "degraded_performance",
               {today: ("degraded_performance", {"degraded_performance": 145},
                        ("2025-07-16-login",)),
                date(2025, 6, 24): ("partial_outage", {"partial_outage": 90},
                                    ("2025-06-24-api",))},
               ("2025-07-20-db", "2025-07-16-login", "2025-06-24-api"))
    v_login = cv(login, "operational", {}, ())
    return SiteModel(
        config=config, now=NOW, overall=Overall.PARTIALLY_DEGRADED_SERVICE,
        components=(v_chat, v_video, v_api, v_login),
        groups=(Group("Aplikasi", (v_chat, v_video), "operational"),
                Group("Platform", (v_api,), "degraded_performance"),
                Group(None, (v_login,), "operational")),
        incidents=(v_upgrade, v_outage, v_june),
        months=(Month(date(2025, 7, 1), (v_upgrade, v_outage)),
                Month(date(2025, 6, 1), (v_june,))),
        detected=(Detection("api", NOW - timedelta(minutes=12), "degraded_performance"),),
        updated=NOW)
