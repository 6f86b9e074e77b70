"""`templater lsp`: the language server, on pygls 2.x over stdio.

Diagnostics come from the editor's buffer (on open, on change after a short pause, on save),
linted as `templater lint --stdin-filename PATH -` lints it. Lint work runs in a worker thread,
never on the event loop, so the editor is answered while a file is linted. The configuration is
resolved again for every lint, so an edited .templater.yaml applies without a restart.
"""
from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from templater.version import __version__
from templater.errors import TemplaterError
from templater.findings import Severity
from templater.lsp import analysis
from templater.lsp.analysis import Analysis, Span
from templater.resources import rule_doc_url

DEBOUNCE = 0.2  # seconds of quiet after a change before the buffer is linted
SEVERITY = {Severity.ERROR: lsp.DiagnosticSeverity.Error, Severity.WARNING: lsp.DiagnosticSeverity.Warning,
            Severity.INFO: lsp.DiagnosticSeverity.Information}
CONFIG_FILES = (".templater.yaml", ".templater.yml", "pyproject.toml")


class TemplaterServer(LanguageServer):
    """The server and what it remembers per document: the last analysis, the pending lint, the
    ids of the project's other templates."""

    def __init__(self) -> None:
        super().__init__("templater", __version__)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="templater-lint")
        self.analyses: dict[str, tuple[int | None, Analysis]] = {}
        self.pending: dict[str, asyncio.Task] = {}
        self.ids: dict[str, dict[str, str]] = {}

    async def run(self, func, *args):
        return await asyncio.get_running_loop().run_in_executor(self.pool, func, *args)

    async def analysis_of(self, doc: TextDocument) -> Analysis:
        """The analysis of a document's current text (reused when its version has not changed)."""
        known = self.analyses.get(doc.uri)
        if known is not None and known[0] == doc.version and known[1].text == doc.source:
            return known[1]
        path = to_fs_path(doc.uri) or doc.uri
        if doc.uri not in self.ids:
            self.ids[doc.uri] = await self.run(analysis.project_ids, path)
        result = await self.run(analysis.analyze, doc.source, path, self.ids[doc.uri])
        self.analyses[doc.uri] = (doc.version, result)
        return result

    async def publish(self, uri: str) -> None:
        doc = self.workspace.get_text_document(uri)
        version = doc.version
        try:
            result = await self.analysis_of(doc)
        except TemplaterError as exc:  # a broken .templater.yaml: say so on the template, as lint does
            self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, version=version, diagnostics=[
                lsp.Diagnostic(range=lsp.Range(start=lsp.Position(line=0, character=0),
                                               end=lsp.Position(line=0, character=0)),
                               message=str(exc), severity=lsp.DiagnosticSeverity.Error, source="templater")]))
            return
        if doc.version != version:  # edited meanwhile: the next lint publishes
            return
        self.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(
            uri=uri, version=version, diagnostics=[diagnostic(doc, result, f) for f in result.findings]))

    def schedule(self, uri: str, delay: float = 0.0) -> None:
        """Lint a document after delay seconds, replacing a lint already waiting for it."""
        waiting = self.pending.pop(uri, None)
        if waiting is not None:
            waiting.cancel()

        async def later() -> None:
            if delay:
                await asyncio.sleep(delay)
            await self.publish(uri)

        self.pending[uri] = asyncio.ensure_future(later())

    def relint_open(self) -> None:
        """The configuration (or a template's id) changed: lint every open document again."""
        self.ids.clear()
        self.analyses.clear()
        for uri in list(self.workspace.text_documents):
            self.schedule(uri)


def to_range(doc: TextDocument, lines: list[str], s: Span) -> lsp.Range:
    """A span in code points as the client counts (UTF-16 units unless it chose otherwise)."""
    units = doc.position_codec.client_num_units

    def pos(line: int, char: int) -> lsp.Position:
        text = lines[line] if line < len(lines) else ""
        return lsp.Position(line=line, character=units(text[:char]))

    return lsp.Range(start=pos(s[0], s[1]), end=pos(s[2], s[3]))


def diagnostic(doc: TextDocument, result: Analysis, finding) -> lsp.Diagnostic:
    return lsp.Diagnostic(
        range=to_range(doc, result.lines, analysis.span(finding, result.lines)), message=finding.message,
        severity=SEVERITY[finding.severity], code=finding.rule, source="templater",
        code_description=lsp.CodeDescription(href=rule_doc_url(finding.rule, local=True)))


def _position(doc: TextDocument, position: lsp.Position) -> tuple[int, int]:
    p = doc.position_codec.position_from_client_units(doc.lines, position)
    return p.line, p.character


server = TemplaterServer()


@server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
async def did_open(ls: TemplaterServer, params: lsp.DidOpenTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
async def did_change(ls: TemplaterServer, params: lsp.DidChangeTextDocumentParams) -> None:
    ls.schedule(params.text_document.uri, DEBOUNCE)


@server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
async def did_save(ls: TemplaterServer, params: lsp.DidSaveTextDocumentParams) -> None:
    if Path(to_fs_path(params.text_document.uri) or "").name in CONFIG_FILES:
        ls.relint_open()
        return
    ls.ids.pop(params.text_document.uri, None)  # other files may have changed with it
    ls.schedule(params.text_document.uri)


@server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
async def did_close(ls: TemplaterServer, params: lsp.DidCloseTextDocumentParams) -> None:
    uri = params.text_document.uri
    for store in (ls.analyses, ls.ids):
        store.pop(uri, None)
    waiting = ls.pending.pop(uri, None)
    if waiting is not None:
        waiting.cancel()
    ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


@server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
async def watched(ls: TemplaterServer, params: lsp.DidChangeWatchedFilesParams) -> None:
    ls.relint_open()


@server.feature(lsp.WORKSPACE_DID_CHANGE_CONFIGURATION)
async def configuration(ls: TemplaterServer, params: lsp.DidChangeConfigurationParams) -> None:
    ls.relint_open()


@server.feature(lsp.TEXT_DOCUMENT_CODE_ACTION, lsp.CodeActionOptions(
    code_action_kinds=[lsp.CodeActionKind.QuickFix, lsp.CodeActionKind.SourceFixAll]))
async def code_action(ls: TemplaterServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    result = await ls.analysis_of(doc)
    first, last = params.range.start.line, params.range.end.line
    findings = [f for f in result.findings if first <= analysis.span(f, result.lines)[0] <= last]
    only = params.context.only
    out = []
    for action in await ls.run(analysis.actions, result, findings):
        if only and not any(action.kind.startswith(k) for k in only):
            continue
        edits = [lsp.TextEdit(range=to_range(doc, result.lines, s), new_text=t) for s, t in action.edits]
        out.append(lsp.CodeAction(
            title=action.title, kind=action.kind,
            diagnostics=[diagnostic(doc, result, f) for f in findings if f.rule == action.rule] or None,
            edit=lsp.WorkspaceEdit(changes={doc.uri: edits})))
    return out


@server.feature(lsp.TEXT_DOCUMENT_HOVER)
async def hover(ls: TemplaterServer, params: lsp.HoverParams) -> lsp.Hover | None:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    result = await ls.analysis_of(doc)
    text = await ls.run(analysis.hover, result, *_position(doc, params.position))
    if text is None:
        return None
    return lsp.Hover(contents=lsp.MarkupContent(kind=lsp.MarkupKind.Markdown, value=text))


@server.feature(lsp.TEXT_DOCUMENT_COMPLETION, lsp.CompletionOptions(trigger_characters=["{", " ", "=", ",", ":"]))
async def completion(ls: TemplaterServer, params: lsp.CompletionParams) -> lsp.CompletionList:
    doc = ls.workspace.get_text_document(params.text_document.uri)
    result = await ls.analysis_of(doc)
    items = analysis.completions(result, *_position(doc, params.position), sorted(result.report.rules))
    return lsp.CompletionList(is_incomplete=False, items=[
        lsp.CompletionItem(label=label, detail=detail) for label, detail in items])


def main() -> None:
    server.start_io()
