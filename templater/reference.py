"""TEMPLATER_REFERENCE=1: every speed-up off, so that fast and reference runs can be diffed.

Each speed-up asks `ON` where it chooses between itself and the plain code it stands for; with the
switch set, a run takes the plain code everywhere. `.ci/run` lints the library and a generated
corpus, and bulk-renders a generated recipients file, both ways, and diffs the outputs byte for byte
(.ci/reference_diff.py); tests/test_reference.py checks that the switch changes the code path.

What it turns off (docs/checks.md lists the same):
- the rule patterns' literal pre-tests (rulepacks/patterns.py): every pattern scans every text;
  with them the signal groups' plans, the index of a pattern's alternatives by literal, and the
  matching view's reuse of its body's literals;
- the rules worked out once per kind of template (Linter._runnable), and the lint's skips:
  unsafe-template on a plain body, spam-caps where the capitals are too few, the duplicate-key
  walk without scalars;
- lint's freezing of what it loaded, away from the garbage collector (cli._freeze_loaded);
- trailing-whitespace's pre-test: its regular expression reads every file;
- the plain-body renderers (lint's and bulk's): every body renders in the sandbox;
- the bulk re-check's literal shortcut (render/recheck.py): every message is linted in full;
- the caches: parsed rule packs and data on disk (cache.py), consent verdicts, quiet-hours
  verdicts, phone places and prefixes, column mappings;
- the compiled code of the dataclass methods kept on disk (records.py), and readability's cached
  hyphenation patterns: pyphen itself counts syllables;
- lint's quick exit (cli._exit_at_once): Python's own exit tears the interpreter down;
- the batched reading of CSV rows: each record is read alone;
- the front matter's plain-tree construction: PyYAML's constructor builds every value; and its
  short reading of the usual shape (front_matter.py): PyYAML reads every front matter;
- reading a template file by os.open and os.read: a file object reads it;
- discovery's ids from each folder's parts below the root, worked out once: pathlib works out
  every file's;
- the skip of the rules that fire only on their own patterns' matches where the template holds
  none of their literals (Linter._silent): each rule looks for itself;
- mixed-content's scan for the markers that can make it fire alone (LintContext.evidence_of):
  every signal is looked for, and the evidence filtered;
- forked workers (lint --jobs, render --jobs): everything runs in this process;
- the C JSON encoder of reject lines: json.JSONEncoder.
"""
from __future__ import annotations

import os

ON = os.environ.get("TEMPLATER_REFERENCE", "") not in ("", "0")
