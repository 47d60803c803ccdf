"""Status badges: valid, accessible SVG that says the state in the site's language."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest

from generator.model.compute import STATES
from generator.render import badges, palette
from generator.render.base import context
from tests import rendering
from tests.factories import sample_model

SVG = "{http://www.w3.org/2000/svg}"


def render(language: str = "id") -> dict[str, bytes]:
    return dict(rendering.render(badges.outputs, context(sample_model(language))))


def texts(root: ET.Element) -> list[str]:
    """The visible text (not the shadow copies hidden from screen readers)."""
    return [t.text or "" for t in root.iter(f"{SVG}text") if t.get("aria-hidden") != "true"]


def fills(root: ET.Element) -> list[str]:
    return [r.get("fill", "") for r in root.iter(f"{SVG}rect")]


def test_site_and_component_badges_say_the_state_in_the_site_language() -> None:
    files = render()
    assert sorted(files) == ["badge.svg", "components/api.svg", "components/chat.svg",
                             "components/login.svg", "components/video.svg"]
    site = ET.fromstring(files["badge.svg"])
    assert texts(site) == ["Nusa AI Status", "Kinerja Layanan Menurun Sebagian"]
    assert palette.INDICATOR_BADGE["minor"] in fills(site)
    api = ET.fromstring(files["components/api.svg"])
    assert texts(api) == ["API", "Kinerja menurun"]
    assert palette.STATE_BADGE["degraded_performance"] in fills(api)
    english = ET.fromstring(render("en")["components/chat.svg"])
    assert texts(english) == ["Nusa Chat", "Operational"]


def test_badges_are_accessible_images() -> None:
    for name, data in render().items():
        root = ET.fromstring(data)  # well-formed XML
        assert root.tag == f"{SVG}svg", name
        assert root.get("role") == "img", name
        label = root.get("aria-label")
        assert label == ": ".join(texts(root)), name
        assert root.findtext(f"{SVG}title") == label, name


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


@pytest.mark.parametrize("state", [*STATES, "no_data"])
def test_every_state_has_a_colour_readable_under_white_text(state: str) -> None:
    colour = palette.STATE_BADGE[state]
    assert 1.05 / (_luminance(colour) + 0.05) >= 4.5
    model = sample_model()
    view = replace(model.components[0], state=state)
    files = dict(rendering.render(badges.outputs, context(replace(model, components=(view,)))))
    assert colour in fills(ET.fromstring(files["components/chat.svg"]))


def test_no_data_is_grey_not_green() -> None:
    assert palette.STATE_BADGE["no_data"] == "#6b6b6b"
    assert palette.STATE_BADGE["no_data"] != palette.STATE_BADGE["operational"]
    assert set(palette.INDICATOR_BADGE) >= {"none", "minor", "major", "critical",
                                            "maintenance"}


def test_width_follows_the_text() -> None:
    assert badges.text_width("status") == pytest.approx(5.73 + 4.33 + 6.61 + 4.33 + 6.96
                                                        + 5.73)
    assert badges.text_width("WWW") > badges.text_width("iii")
    narrow = ET.fromstring(badges.badge("a", "ok", "#2e7d32"))
    wide = ET.fromstring(badges.badge("a", "Gangguan Besar pada Sistem", "#2e7d32"))
    assert int(wide.get("width", "0")) > int(narrow.get("width", "0"))
    # Each half is its text plus 6 px on both sides.
    assert narrow.get("width") == str(round(badges.text_width("a")) + 12
                                      + round(badges.text_width("ok")) + 12)


def test_names_with_markup_characters_stay_valid_xml() -> None:
    root = ET.fromstring(badges.badge('R&D <"beta">', "Beroperasi normal", "#2e7d32"))
    assert texts(root) == ['R&D <"beta">', "Beroperasi normal"]
    assert root.get("aria-label") == 'R&D <"beta">: Beroperasi normal'
