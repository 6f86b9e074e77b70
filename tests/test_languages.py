"""One list of languages (templater.template.LANGUAGES): every table kept per language covers it, and
the options that take a language offer it."""
from __future__ import annotations

from importlib import import_module

from conftest import run_cli
from templater import matching, readability
from templater.template import LANGUAGES

classify = import_module("templater.classify")  # the package's name `classify` is the function


def test_every_per_language_table_covers_the_one_list():
    for table in (classify._STOPWORDS, matching.ABBREVIATIONS, readability.FORMULA, readability.PYPHEN_LANG):
        assert tuple(table) == LANGUAGES


def test_the_options_offer_the_list():
    for command in (["classify", "--text", "Hi"], ["list"]):
        result = run_cli(*command, "--language", "de")
        assert result.exit_code == 2
        assert "'de' is not one of " + ", ".join(f"'{lang}'" for lang in LANGUAGES) in result.stderr
