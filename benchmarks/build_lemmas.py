"""Write templater/data/lemmas.<language>.json: the inflected forms of every {lemma:word} the rule packs use.

A signal pattern may write `{lemma:exceptionnel}` where any inflection of a word fits ("offre
exceptionnelle", "offres exceptionnelles"). The loader replaces it with a group of the word's forms
read from templater/data/lemmas.<language>.json when it loads the rule set (and the rule cache keeps
the result), so `templater lint` neither imports a lemmatizer nor pays for one.

This script makes those files, at build time, from simplemma's dictionary (MIT; pure Python;
`pip install simplemma`): the forms are the word itself and every form the dictionary lemmatizes to
it. Run it after adding a {lemma:...} to a pack:

    python benchmarks/build_lemmas.py          # writes the files, prints what it wrote
    python benchmarks/build_lemmas.py --check  # exit 1 if a file is missing or out of date

simplemma maps each form to one lemma, so a form shared with another word belongs to that word
("spéciale" is its own lemma, not a form of "spécial"): a pattern lists such forms beside the
lemma (`(?:{lemma:spécial}|spéciale)`). Output is sorted, so the same packs give the same bytes.
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
DATA = ROOT / "templater" / "data"
LEMMA = re.compile(r"\{lemma:([^\W\d_][^{}\s]*)\}")
LANGUAGE = re.compile(r"^language:\s*(\w+)\s*$", re.M)


def wanted(rules: Path = RULES) -> dict[str, set[str]]:
    """Language -> the lemmas its packs name in {lemma:...}."""
    out: dict[str, set[str]] = {}
    for path in sorted(rules.glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        found = set(LEMMA.findall(text))
        if found:
            language = LANGUAGE.search(text)
            if language is None:
                sys.exit(f"{path}: uses {{lemma:...}} but declares no 'language:'")
            out.setdefault(language.group(1), set()).update(found)
    return out


def forms(language: str, lemmas: set[str]) -> dict[str, list[str]]:
    """Each lemma's forms: itself and every form simplemma's dictionary lemmatizes to it."""
    from simplemma.strategies.dictionaries import DefaultDictionaryFactory

    dictionary = DefaultDictionaryFactory().get_dictionary(language)
    out: dict[str, set[str]] = {lemma: {lemma} for lemma in lemmas}
    for form, lemma in dictionary.items():
        if lemma in out:
            out[lemma].add(form)
    return {lemma: sorted(words) for lemma, words in sorted(out.items())}


def render(table: dict[str, list[str]]) -> str:
    return json.dumps(table, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is missing or out of date")
    args = parser.parse_args(argv)
    stale = []
    for language, lemmas in sorted(wanted().items()):
        path = DATA / f"lemmas.{language}.json"
        text = render(forms(language, lemmas))
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if args.check:
            if current != text:
                stale.append(path.name)
            continue
        DATA.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
        print(f"{path.relative_to(ROOT)}: {len(lemmas)} lemmas")
    if stale:
        print(f"out of date: {', '.join(stale)} (run python benchmarks/build_lemmas.py)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
