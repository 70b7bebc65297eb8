"""SM-1: how many SMS a text costs (GSM 03.38 or UCS-2), with the `gsm0338` codec.

GSM 03.38 7-bit: 160 characters in one SMS, 153 per part when the text needs several (the
user data header takes 7); the characters of the extension table (€ [ ] { } \\ ^ ~ | and the
form feed) are sent as escape + character and count twice. A single character outside the
GSM alphabet (ê, â, ô, î, û, ç …) switches the whole text to UCS-2: 70 characters, 67 per part
(UTF-16 code units: an emoji counts twice). The browser counts with the same table
(static/sms/counter.js; tests/modules/sms/test_segments.py checks both tables agree)."""

from __future__ import annotations

from dataclasses import dataclass

import gsm0338  # noqa: F401  (registers the "gsm03.38" codec)

GSM_SINGLE = 160
GSM_PART = 153
UCS2_SINGLE = 70
UCS2_PART = 67
# A message longer than this many SMS is refused ("trop long").
MAX_SEGMENTS = 6


@dataclass(frozen=True, slots=True)
class SegmentCount:
    encoding: str  # "gsm" or "ucs2"
    units: int  # septets (GSM) or UTF-16 code units (UCS-2) the text takes
    segments: int  # SMS billed (0 for an empty text)
    left: int  # units left before one more SMS is needed

    @property
    def per_part(self) -> int:
        if self.encoding == "gsm":
            return GSM_SINGLE if self.segments <= 1 else GSM_PART
        return UCS2_SINGLE if self.segments <= 1 else UCS2_PART


def gsm_units(text: str) -> int | None:
    """Septets of `text` in GSM 03.38 (extension characters count 2); None when a character
    is outside the GSM alphabet."""
    try:
        return len(text.encode("gsm03.38"))
    except UnicodeEncodeError:
        return None


def count_segments(text: str) -> SegmentCount:
    units = gsm_units(text)
    if units is not None:
        encoding, single, part = "gsm", GSM_SINGLE, GSM_PART
    else:
        units = len(text.encode("utf-16-le")) // 2
        encoding, single, part = "ucs2", UCS2_SINGLE, UCS2_PART
    if units == 0:
        return SegmentCount(encoding, 0, 0, single)
    if units <= single:
        return SegmentCount(encoding, units, 1, single - units)
    segments = -(-units // part)
    return SegmentCount(encoding, units, segments, segments * part - units)
