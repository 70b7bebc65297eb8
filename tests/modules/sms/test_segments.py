"""SM-1: characters left and SMS count, at the boundaries, on the server (gsm0338) and the same
table in the browser's counter.js."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

import pytest
from gsm0338.charset import BASIC_CHARACTER_SET, BASIC_CHARACTER_SET_EXTENSION

from modules.sms.segments import count_segments

JS = Path(__file__).resolve().parents[3] / "modules" / "sms" / "static" / "sms" / "counter.js"


@pytest.mark.parametrize(
    ("text", "encoding", "segments", "left"),
    [
        ("", "gsm", 0, 160),
        ("a" * 160, "gsm", 1, 0),
        ("a" * 161, "gsm", 2, 145),
        ("a" * 306, "gsm", 2, 0),  # 153 x 2
        ("a" * 307, "gsm", 3, 152),
        ("é" * 160, "gsm", 1, 0),  # é è à ù are in GSM 03.38
        ("€" * 80, "gsm", 1, 0),  # € counts twice
        ("€" * 81, "gsm", 2, 144),
        ("a" * 159 + "[", "gsm", 2, 145),  # [ ] { } \ ^ ~ | count twice: 161 septets
        ("[]{}\\^~|", "gsm", 1, 144),
        ("ê" * 70, "ucs2", 1, 0),
        ("ê" * 71, "ucs2", 2, 63),
        ("ê" * 134, "ucs2", 2, 0),  # 67 x 2
        ("ê" * 135, "ucs2", 3, 66),
        ("a" * 159 + "ç", "ucs2", 3, 41),  # one ç switches the whole text to UCS-2
        ("Bientôt", "ucs2", 1, 63),
        ("â î û", "ucs2", 1, 65),
    ],
)
def test_segment_boundaries(text, encoding, segments, left):
    """SM-1: GSM 160 / 153 per part, extension characters twice, UCS-2 70 / 67 per part."""
    count = count_segments(text)
    assert (count.encoding, count.segments, count.left) == (encoding, segments, left)


def _js_string(name: str) -> str:
    source = JS.read_text()
    literal = re.search(rf'var {name} = (".*?");\n', source).group(1)
    return json.loads(literal)


def test_the_browser_table_is_the_codec_table():
    """SM-1: counter.js counts with exactly the gsm0338 codec's two tables."""
    basic = "".join(unicodedata.lookup(n) for _k, n in sorted(BASIC_CHARACTER_SET.items()))
    extension = "".join(
        unicodedata.lookup(n) for _k, n in sorted(BASIC_CHARACTER_SET_EXTENSION.items())
    )
    assert _js_string("GSM_BASIC") == basic
    assert _js_string("GSM_EXTENSION") == extension
