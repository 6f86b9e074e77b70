"""Recipient columns as CRMs and spreadsheets name them, mapped once per run to the fields a row needs.

A CSV header is mapped once, before the first row: the header's names become the row's keys, so
the per-row path reads `row["first_name"]` whatever the file called it. A JSON Lines row carries
its own keys: each distinct set of keys is mapped once (cached) and rows with it are renamed.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Iterable

from templater import reference
from templater.suggest import did_you_mean

# Consent and delivery fields: read by the gates and the phone check, never template variables.
RESERVED = ("phone", "consent", "consent_at", "consent_scope", "timezone", "inbound_at", "opt_out", "region")

# Other spellings of the reserved fields, as exports write them (compared after fold()).
ALIASES = {
    "phone": ("phone", "phonenumber", "phoneno", "mobile", "mobilephone", "mobilenumber", "mobilephonenumber",
              "cell", "cellphone", "cellnumber", "cellphonenumber", "msisdn", "tel", "telephone",
              "numerodetelephone", "telephoneportable", "portable", "numeroportable", "numero", "gsm"),
    "opt_out": ("optout", "optedout", "unsubscribed", "stop", "donottext"),
    "region": ("region", "country", "countrycode", "pays"),
    "timezone": ("timezone", "tz"),
    "consent": ("consent", "consentement", "consentlevel"),
    "consent_at": ("consentat", "consentdate", "consentedat", "dateconsentement", "dateduconsentement"),
}
# Other spellings of common template variables, used when the template has the variable.
VARIABLE_ALIASES = {
    "first_name": ("firstname", "givenname", "prenom"),
    "last_name": ("lastname", "surname", "familyname", "nom", "nomdefamille"),
}
# A column whose folded name holds one of these talks about consent or opt-outs: when no field
# takes it, the run stops (unless allowed): ignoring it could message someone who said STOP.
_CONSENT_LIKE = ("optout", "optedout", "optin", "unsub", "stop", "donot", "dnc", "blacklist", "blocklist",
                 "suppress", "consent", "gdpr", "rgpd", "desabonn", "desinscri", "opposition", "blocked")
_SEPARATORS = re.compile(r"[\s_\-.]+")


def fold(name: str) -> str:
    """A column or variable name as compared: case, accents, spaces, hyphens, underscores and dots
    ignored ('First Name', 'first-name' and 'FIRST_NAME' are 'firstname'; 'Téléphone' is 'telephone')."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _SEPARATORS.sub("", text.casefold())


def looks_like_consent(name: str) -> bool:
    """Whether a column's name says it is about consent or opt-outs."""
    folded = fold(name)
    return any(word in folded for word in _CONSENT_LIKE)


class ColumnError(ValueError):
    """The columns cannot be mapped safely; the message says what to pass or change."""


@dataclass
class Mapped:
    """One header (or one JSON key set) mapped: each name's row key, and what to tell the user."""

    keys: list[str]                      # the row key of each column, in order
    region_key: str | None = None        # the key holding each row's region, if a column gives it
    warnings: list[str] = field(default_factory=list)
    renames: tuple[tuple[str, str], ...] = ()   # (name, key) for the names that change


@dataclass
class ColumnMap:
    """The run's column settings, matched against a header once."""

    variables: frozenset[str] = frozenset()     # names the template uses or declares
    explicit: dict[str, str] = field(default_factory=dict)   # field or variable -> header (--column)
    keep: tuple[str, ...] = ()                  # --keep headers
    allow_unknown: bool = False                 # --allow-unknown-columns

    def __post_init__(self) -> None:
        self._targets: dict[str, str] = {}
        for name in sorted(self.variables):
            self._targets.setdefault(fold(name), name)
            for spelling in VARIABLE_ALIASES.get(name, ()):
                self._targets.setdefault(spelling, name)
        for name, spellings in ALIASES.items():  # reserved fields win over a variable of the same fold,
            for spelling in spellings if name != "phone" else ("phone",):  # but for the region's aliases
                if name != "region" or spelling not in self._targets:    # ({{ country }} stays a variable)
                    self._targets[spelling] = name
        for name in RESERVED:
            self._targets[fold(name)] = name
        self._rows: dict[tuple, Mapped | str] = {}

    def suggest(self, name: str) -> str:
        """' (did you mean X?)' for a name close to a variable or field, else ''."""
        return did_you_mean(name, (*self.variables, *RESERVED), cutoff=0.75, key=fold)

    def map(self, names: list[str], complete: bool = True, warn: bool = True) -> Mapped:
        """Each column's row key; ColumnError when the mapping is unsafe or impossible.

        complete: the names are the whole header (CSV, or the first JSON row): options that name a
        column missing from it are errors, and the phone must be there. warn: work out the
        warnings (not for later JSON rows, whose warnings nobody sees).
        """
        keys: list[str | None] = [None] * len(names)
        folded = [fold(n) for n in names]
        claimed: dict[str, int] = {}

        def claim(i: int, key: str) -> None:
            if key in claimed and claimed[key] != i:
                raise ColumnError(f"the columns '{names[claimed[key]]}' and '{names[i]}' both give {key}: "
                                  f"name the one to use with --column {key}=HEADER and rename the other")
            claimed[key] = i
            keys[i] = key

        for key, header in self.explicit.items():
            i = _find(names, folded, header)
            if i is None:
                if complete:
                    raise ColumnError(f"no column '{header}' for {key} in the header (columns: "
                                      f"{', '.join(repr(n) for n in names)})")
                continue
            if keys[i] is not None:
                raise ColumnError(f"the column '{names[i]}' is given to both {keys[i]} and {key}")
            claim(i, key)
        for i, name in enumerate(names):
            if keys[i] is None:
                target = self._targets.get(folded[i])
                if target is not None and target not in self.explicit:
                    claim(i, target)
        if "phone" not in claimed:
            found = [i for i, f in enumerate(folded) if keys[i] is None and f in ALIASES["phone"]]
            if len(found) > 1:
                raise ColumnError(f"several columns could be the phone number ({', '.join(repr(names[i]) for i in found)}): "
                                  "name it with --phone-column HEADER")
            if found:
                claim(found[0], "phone")
            elif complete:
                raise ColumnError("no phone column in the header: name one 'phone' (or Phone Number, "
                                  "Mobile, msisdn, Téléphone...), or give it with --phone-column HEADER")
        warnings: list[str] = []
        unused = []
        kept = {fold(k) for k in self.keep}
        for i, name in enumerate(names):
            if keys[i] is not None:
                continue
            keys[i] = name
            if name in claimed:  # an unmapped column named like a key another column took
                raise ColumnError(f"the column '{name}' has the name of {name}, which '{names[claimed[name]]}' "
                                  "gives: rename one of them")
            if looks_like_consent(name) and not self.allow_unknown:
                raise ColumnError(f"the column '{name}' looks like consent or opt-out data but templater "
                                  "does not read it: map it (--column opt_out=HEADER, --column consent=HEADER), "
                                  "remove it, or pass --allow-unknown-columns if it is not about SMS")
            if not warn or folded[i] in kept or name in kept:
                continue
            hint = self.suggest(name)
            if hint:
                warnings.append(f"the column '{name}' is not used by the template{hint}")
            elif name:
                unused.append(name)
        if unused:
            warnings.append("columns not used by the template (ignored): "
                            + ", ".join(f"'{n}'" for n in unused))
        region_key = "region" if "region" in claimed else None
        if region_key is None:  # a column the template uses as a variable may still say the region
            region_key = next((keys[i] for i, f in enumerate(folded) if f in ALIASES["region"]), None)
        final = [k for k in keys if k is not None]
        renames = tuple((n, k) for n, k in zip(names, final) if n != k)
        return Mapped(final, region_key, warnings, renames)

    def kept(self, mapped: Mapped, names: list[str]) -> list[tuple[str, str]]:
        """(output name, row key) of each --keep column; ColumnError for one the header lacks."""
        folded = [fold(n) for n in names]
        out = []
        for header in self.keep:
            i = _find(names, folded, header)
            if i is None:
                raise ColumnError(f"--keep '{header}': no such column in the header")
            out.append((names[i], mapped.keys[i]))
        return out

    def row(self, value: dict) -> dict | tuple[str, str]:
        """A JSON row with its keys mapped (each distinct key set is mapped once), or a reject."""
        names = tuple(value)
        found = self._rows.get(names)
        if found is None:
            try:
                found = self.map(list(names), complete=False, warn=False)
            except ColumnError as exc:
                found = str(exc)
            if len(self._rows) >= 1024:
                self._rows.clear()
            if not reference.ON:
                self._rows[names] = found
        if type(found) is str:
            return "bad-field", found
        if not found.renames:  # type: ignore[union-attr]
            return value
        return dict(zip(found.keys, value.values()))  # type: ignore[union-attr]


def _find(names: list[str], folded: list[str], header: str) -> int | None:
    """The index of a header named exactly so, else of the one column whose folded name matches."""
    if header in names:
        return names.index(header)
    matches = [i for i, f in enumerate(folded) if f == fold(header)]
    return matches[0] if len(matches) == 1 else None


def parse_pairs(pairs: Iterable[str], option: str) -> dict[str, str]:
    """VAR=HEADER pairs of --column as a dict; ColumnError for one without '='."""
    out = {}
    for pair in pairs:
        name, sep, header = pair.partition("=")
        if not sep or not name.strip() or not header.strip():
            raise ColumnError(f"{option} '{pair}' is not VAR=HEADER")
        out[name.strip()] = header.strip()
    return out
