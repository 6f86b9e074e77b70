"""US area codes that span two time zones, where phonenumbers gives one zone for the whole code.

Quiet hours apply the stricter window: a number of one of these codes is checked in both zones,
so a promotional message goes out only when it is inside the window in each (8 am Eastern is
7 am Central: too early there). Data, one entry per area code: the zones, and where the split is.

Source: the time zone boundaries of 49 CFR Part 71 (US Department of Transportation, "Standard
time zone boundaries"), matched against the area code maps of the North American Numbering Plan
Administrator (nationalnanpa.com, "Area code maps"). phonenumbers 8.13's zones for these codes
are the first zone of each entry; the second is the one it leaves out.
"""
from __future__ import annotations

SPLIT_AREA_CODES: dict[str, tuple[tuple[str, ...], str]] = {
    "850": (("America/New_York", "America/Chicago"),
            "Florida panhandle: Eastern east of the Apalachicola River (Tallahassee), Central west of it (Pensacola, Panama City)"),
    "270": (("America/New_York", "America/Chicago"),
            "western Kentucky: mostly Central (Bowling Green, Paducah), Eastern in the north-east (Elizabethtown)"),
    "931": (("America/Chicago", "America/New_York"),
            "middle Tennessee: Central (Clarksville, Cookeville), Eastern on its eastern edge"),
    "812": (("America/New_York", "America/Chicago"),
            "southern Indiana: Eastern (Bloomington, Columbus), Central in the south-west (Evansville)"),
    "906": (("America/New_York", "America/Menominee"),
            "Michigan's Upper Peninsula: Eastern, Central in the four counties bordering Wisconsin"),
    "785": (("America/Chicago", "America/Denver"),
            "northern and western Kansas: Central, Mountain in the western border counties (Sherman, Wallace)"),
    "308": (("America/Chicago", "America/Denver"),
            "western Nebraska: Central (Grand Island, Kearney), Mountain in the panhandle (Scottsbluff)"),
    "541": (("America/Los_Angeles", "America/Boise"),
            "Oregon outside Portland: Pacific, Mountain in most of Malheur County (Ontario)"),
}


def zones_for(e164: str, found: tuple[str, ...]) -> tuple[str, ...]:
    """The zones phonenumbers found for a number, with the other zone of a split US area code."""
    if not e164.startswith("+1") or len(e164) != 12:
        return found
    split = SPLIT_AREA_CODES.get(e164[2:5])
    if split is None:
        return found
    return tuple(dict.fromkeys((*found, *split[0])))
