"""JUnit XML, for GitLab's and other CI servers' test reports: one failed test case per finding."""
from __future__ import annotations

from typing import TYPE_CHECKING, Mapping

import re

from templater.findings import Finding
if TYPE_CHECKING:
    from templater.rulepacks.model import Rule

# Characters XML 1.0 cannot carry at all, even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _clean(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def format_findings(findings: list[Finding], files: int, colour: bool = False,
                    rules: Mapping[str, Rule] | None = None) -> str:
    """A <testsuites> document; a run without findings is one passing test case."""
    import xml.etree.ElementTree as ET  # only this format needs it: keep `templater` quick to start
    count = str(max(len(findings), 1))
    root = ET.Element("testsuites", name="templater", tests=count, failures=str(len(findings)))
    suite = ET.SubElement(root, "testsuite", name="templater lint", tests=count,
                          failures=str(len(findings)), errors="0", skipped="0")
    for f in findings:
        case = ET.SubElement(suite, "testcase", classname=_clean(f.path),
                             name=_clean(f"{f.rule} at {f.line}:{f.column}"), file=_clean(f.path), line=str(f.line))
        failure = ET.SubElement(case, "failure", type=str(f.severity), message=_clean(f.message))
        failure.text = _clean(f"{f.path}:{f.line}:{f.column}: {f.severity} {f.rule} {f.message}")
    if not findings:
        ET.SubElement(suite, "testcase", classname="templater", name=f"lint {files} file{'s' if files != 1 else ''}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")
