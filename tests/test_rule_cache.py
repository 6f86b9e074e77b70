"""The rule-set cache: reused while the packs are unchanged, rebuilt when they change or break."""
from __future__ import annotations

from pathlib import Path

import pytest

from templater.errors import RulePackError
from templater.rulepacks.loader import load_ruleset

PACK = """pack: mine
language: en
signals:
  - id: my-marker
    signal: promotional
    label: my marker
    doc: A test marker.
    patterns: ['{pattern}']
    examples:
      fail: ["x"]
      pass: ["y"]
"""


def _load(packs: Path):
    return load_ruleset([packs])


def test_cache_is_written_reused_and_invalidated(tmp_path, cache):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text(PACK.format(pattern=r"\bzebra\b"))
    first = _load(packs)
    [entry] = cache.glob("rules-*.pickle")
    assert first.signals["my-marker"].patterns["en"].search("a zebra")
    second = _load(packs)
    assert second.signals["my-marker"].patterns["en"].search("a zebra")
    assert list(cache.glob("rules-*.pickle")) == [entry]
    (packs / "mine.yaml").write_text(PACK.format(pattern=r"\bgiraffe\b"))
    third = _load(packs)
    assert not third.signals["my-marker"].patterns["en"].search("a zebra")
    assert third.signals["my-marker"].patterns["en"].search("a giraffe")
    assert len(list(cache.glob("rules-*.pickle"))) == 2


def test_corrupt_cache_is_rebuilt(tmp_path, cache):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text(PACK.format(pattern=r"\bzebra\b"))
    _load(packs)
    [entry] = cache.glob("rules-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert _load(packs).signals["my-marker"].patterns["en"].search("zebra")


def test_broken_packs_are_never_cached(tmp_path, cache):
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text(PACK.format(pattern="(unclosed"))
    for _ in range(2):
        with pytest.raises(RulePackError, match="invalid regular expression"):
            _load(packs)
    assert not list(cache.glob("rules-*.pickle"))


def test_unwritable_cache_folder_still_loads(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("")
    monkeypatch.setenv("TEMPLATER_CACHE_DIR", str(blocker / "sub"))
    packs = tmp_path / "packs"
    packs.mkdir()
    (packs / "mine.yaml").write_text(PACK.format(pattern=r"\bzebra\b"))
    assert _load(packs).signals["my-marker"].patterns["en"].search("zebra")


def test_old_entries_are_pruned(tmp_path, cache):
    packs = tmp_path / "packs"
    packs.mkdir()
    for i in range(20):
        (packs / "mine.yaml").write_text(PACK.format(pattern=rf"\bzebra{i}\b"))
        _load(packs)
    assert len(list(cache.glob("rules-*.pickle"))) == 16


def test_answers_is_checked_at_load(tmp_path, cache):
    """'answers' (the in_reply_to questions a transactional marker answers) needs a marker that mixes."""
    packs = tmp_path / "packs"
    packs.mkdir()
    pack = PACK.format(pattern=r"\bzebra\b").replace("    patterns:", "    mixes: false\n    answers: ['zoo']\n    patterns:")
    (packs / "mine.yaml").write_text(pack)
    with pytest.raises(RulePackError, match=r"mine\.yaml.*'answers' needs 'mixes: true'"):
        _load(packs)
    (packs / "mine.yaml").write_text(pack.replace("mixes: false", "mixes: true"))
    assert _load(packs).signals["my-marker"].answers["en"].search("a zoo question")
