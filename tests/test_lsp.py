"""`templater lsp` driven by a real LSP client over stdio (pytest-lsp), with the capabilities
VS Code and Neovim send: diagnostics on open and change, exact ranges in the client's units on
an emoji line, code actions applied and re-linted clean, hover, completion, config changes."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsprotocol import types as lsp
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

from conftest import template_source

SERVER = ClientServerConfig(server_command=[sys.executable, "-m", "templater.cli", "lsp"])
CODEC = {"utf-8": "utf-8", "utf-16": "utf-16-le", "utf-32": "utf-32-le"}
WIDTH = {"utf-8": 1, "utf-16": 2, "utf-32": 4}

SHIPPED = template_source("Acme: \U0001F389\U0001F4E6 your order {{ order_id }} has shipped. Use code SAVE20 today!",
                          id="orders.shipped", variables={"order_id": {"description": "The order number",
                                                                        "example": "12345"}})


@pytest_lsp.fixture(config=SERVER, params=["visual-studio-code", "neovim"])
async def client(request, lsp_client: LanguageClient):
    result = await lsp_client.initialize_session(lsp.InitializeParams(capabilities=client_capabilities(request.param)))
    lsp_client.encoding = str(result.capabilities.position_encoding or "utf-16")
    yield
    await lsp_client.shutdown_session()


def units(client: LanguageClient, text: str) -> int:
    return len(text.encode(CODEC[client.encoding])) // WIDTH[client.encoding]


def offset(client: LanguageClient, text: str, position: lsp.Position) -> int:
    """A client position as an index into text."""
    lines = text.split("\n")
    start = sum(len(line) + 1 for line in lines[:position.line])
    line, count = lines[position.line], 0
    for i, ch in enumerate(line):
        if count >= position.character:
            return start + i
        count += units(client, ch)
    return start + len(line)


def apply(client: LanguageClient, text: str, edits: list[lsp.TextEdit]) -> str:
    spans = sorted(((offset(client, text, e.range.start), offset(client, text, e.range.end), e.new_text)
                    for e in edits), reverse=True)
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


def position_of(client: LanguageClient, text: str, needle: str, after: int = 0) -> lsp.Position:
    index = text.index(needle) + after
    line = text[:index].count("\n")
    return lsp.Position(line=line, character=units(client, text[text.rfind("\n", 0, index) + 1:index]))


class Buffer:
    """An open document: its text and version, as the editor keeps them."""

    def __init__(self, client: LanguageClient, path: Path, text: str) -> None:
        self.client, self.uri, self.text, self.version = client, path.as_uri(), text, 1

    async def open(self) -> list[lsp.Diagnostic]:
        self.client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=lsp.TextDocumentItem(
            uri=self.uri, language_id="sms", version=self.version, text=self.text)))
        return await self.diagnostics()

    async def change(self, text: str) -> list[lsp.Diagnostic]:
        self.text, self.version = text, self.version + 1
        self.client.text_document_did_change(lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=self.uri, version=self.version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)]))
        return await self.diagnostics()

    async def diagnostics(self) -> list[lsp.Diagnostic]:
        while True:
            params = await self.client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            if params.uri == self.uri and params.version in (None, self.version):
                return list(params.diagnostics)

    async def actions(self, line: int) -> list[lsp.CodeAction]:
        return await self.client.text_document_code_action_async(lsp.CodeActionParams(
            text_document=lsp.TextDocumentIdentifier(uri=self.uri),
            range=lsp.Range(start=lsp.Position(line=line, character=0), end=lsp.Position(line=line, character=1)),
            context=lsp.CodeActionContext(diagnostics=[])))

    async def apply(self, action: lsp.CodeAction) -> list[lsp.Diagnostic]:
        return await self.change(apply(self.client, self.text, action.edit.changes[self.uri]))


def project(tmp_path: Path, config: str = "fail_on: error\n") -> Path:
    (tmp_path / ".templater.yaml").write_text(config, encoding="utf-8")
    return tmp_path


@pytest.mark.asyncio
async def test_diagnostics_on_open_and_change_come_from_the_buffer(client: LanguageClient, tmp_path):
    path = project(tmp_path) / "shipped.sms"
    path.write_text(template_source("Acme: your order has shipped."), encoding="utf-8")
    buffer = Buffer(client, path, SHIPPED)
    found = await buffer.open()
    mixed = [d for d in found if d.code == "mixed-content"]
    assert mixed and all(d.source == "templater" and d.severity == lsp.DiagnosticSeverity.Error for d in mixed)
    assert mixed[0].code_description.href.endswith("rules.md#mixed-content")
    # the emoji stay (an info finding): the mixed content is gone from the buffer, not from the disk
    assert [d.code for d in await buffer.change(SHIPPED.replace(" Use code SAVE20 today!", ""))] == ["ucs2-encoding"]


@pytest.mark.asyncio
async def test_ranges_are_exact_in_the_client_units_on_an_emoji_line(client: LanguageClient, tmp_path):
    buffer = Buffer(client, project(tmp_path) / "shipped.sms", SHIPPED)
    found = {d.code: d for d in await buffer.open()}
    mixed, emoji = found["mixed-content"], found["ucs2-encoding"]
    start = position_of(client, SHIPPED, "Use code SAVE20")
    end = position_of(client, SHIPPED, "Use code SAVE20", len("Use code SAVE20"))
    assert (mixed.range.start, mixed.range.end) == (start, end)
    line = SHIPPED.split("\n")[start.line]
    assert start.character != line.index("Use code SAVE20")  # the two emoji count more than one each
    assert (emoji.range.start, emoji.range.end) == (position_of(client, SHIPPED, "\U0001F389"),
                                                    position_of(client, SHIPPED, "\U0001F389", 1))
    width = {"utf-8": 4, "utf-16": 2, "utf-32": 1}[client.encoding]
    assert emoji.range.end.character - emoji.range.start.character == width


@pytest.mark.asyncio
async def test_disable_next_line_action_applied_relints_clean(client: LanguageClient, tmp_path):
    buffer = Buffer(client, project(tmp_path) / "shipped.sms", SHIPPED)
    mixed = [d for d in await buffer.open() if d.code == "mixed-content"][0]
    actions = await buffer.actions(mixed.range.start.line)
    disable = [a for a in actions if a.title == "Disable mixed-content for this line"][0]
    after = await buffer.apply(disable)
    assert "{# templater: disable-next-line=mixed-content #}\n" in buffer.text
    assert [d.code for d in after] == ["ucs2-encoding"]  # the emoji's info finding stays


@pytest.mark.asyncio
async def test_safe_fix_and_fix_all_actions_relint_clean(client: LanguageClient, tmp_path):
    source = template_source("Acme: your order has shipped \u2014 track it at acme.example/t.  ")
    buffer = Buffer(client, project(tmp_path) / "a.sms", source)
    found = await buffer.open()
    assert [d.code for d in found] == ["ucs2-encoding", "trailing-whitespace"]
    actions = await buffer.actions(found[0].range.start.line)
    fix = [a for a in actions if a.title.startswith("Fix ucs2-encoding")][0]
    assert fix.kind == lsp.CodeActionKind.QuickFix
    # The rule's own edit, not the whole buffer: the dash, replaced by its look-alike.
    [edit] = fix.edit.changes[buffer.uri]
    assert edit.new_text == "-" and edit.range.start == position_of(client, source, "\u2014")
    assert [a.kind for a in actions if a.title == "Fix all safe templater fixes"] == [lsp.CodeActionKind.SourceFixAll]
    assert [d.code for d in await buffer.apply(fix)] == ["trailing-whitespace"]
    assert "shipped - track it" in buffer.text
    actions = await buffer.actions(found[0].range.start.line)
    assert await buffer.apply([a for a in actions if a.title == "Fix all safe templater fixes"][0]) == []
    assert buffer.text.endswith("acme.example/t.")


@pytest.mark.asyncio
async def test_add_opt_out_and_declare_variable_actions(client: LanguageClient, tmp_path):
    source = template_source("Acme: {{ name }}, 20% off all shoes this weekend at acme.example/sale.",
                             category="promotional", id="retail.sale")
    buffer = Buffer(client, project(tmp_path, "fail_on: error\nselect: [missing-opt-out, undeclared-variable]\n")
                    / "sale.sms", source)
    found = await buffer.open()
    assert sorted(d.code for d in found) == ["missing-opt-out", "undeclared-variable"]
    actions = await buffer.actions(found[0].range.start.line)
    assert [a for a in actions if a.title.startswith("Add the opt-out line")]
    declare = [a for a in actions if a.title == "Declare variable 'name' in the front matter"][0]
    left = await buffer.apply(declare)
    assert [d.code for d in left] == ["missing-opt-out"]
    assert "variables:\n  name: {description: TODO, example: TODO}\n---" in buffer.text
    actions = await buffer.actions(left[0].range.start.line)
    add = [a for a in actions if a.title.startswith("Add the opt-out line")][0]
    assert await buffer.apply(add) == []
    assert buffer.text.rstrip().endswith("Reply STOP to opt out.")


@pytest.mark.asyncio
async def test_hover_explains_the_rule_the_variable_and_the_body(client: LanguageClient, tmp_path):
    buffer = Buffer(client, project(tmp_path) / "shipped.sms", SHIPPED)
    await buffer.open()

    async def hover(needle: str, after: int = 1) -> str:
        result = await client.text_document_hover_async(lsp.HoverParams(
            text_document=lsp.TextDocumentIdentifier(uri=buffer.uri), position=position_of(client, SHIPPED, needle, after)))
        return result.contents.value if result else ""

    rule = await hover("Use code SAVE20")
    assert "### `mixed-content`" in rule and "Fails:" in rule and "Passes:" in rule
    assert "The order number" in await hover("order_id }}") and "12345" in await hover("order_id }}")
    body = await hover("has shipped")
    assert "UCS-2" in body and "segment" in body and "U+1F389" in body and "12345" in body


@pytest.mark.asyncio
async def test_completion_of_front_matter_variables_and_rule_ids(client: LanguageClient, tmp_path):
    text = SHIPPED.replace("category: transactional", "category: ").replace(
        "{{ order_id }}", "{{ ").replace("Use code", "{# templater: disable-next-line=")
    buffer = Buffer(client, project(tmp_path) / "shipped.sms", text)
    await buffer.open()

    async def complete(needle: str) -> set[str]:
        result = await client.text_document_completion_async(lsp.CompletionParams(
            text_document=lsp.TextDocumentIdentifier(uri=buffer.uri),
            position=position_of(client, text, needle, len(needle))))
        return {item.label for item in result.items}

    assert await complete("category: ") == {"promotional", "transactional", "conversational"}
    assert await complete("{{ ") == {"order_id"}
    assert {"mixed-content", "missing-opt-out"} <= await complete("disable-next-line=")


@pytest.mark.asyncio
async def test_configuration_change_applies_without_a_restart(client: LanguageClient, tmp_path):
    buffer = Buffer(client, project(tmp_path) / "shipped.sms", SHIPPED)
    assert "mixed-content" in {d.code for d in await buffer.open()}
    config = project(tmp_path, "ignore: [mixed-content]\n") / ".templater.yaml"
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
        lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Changed)]))
    assert "mixed-content" not in {d.code for d in await buffer.diagnostics()}


@pytest.mark.asyncio
async def test_a_broken_configuration_is_reported_on_the_template_and_its_fix_applies(client: LanguageClient, tmp_path):
    config = project(tmp_path, "fail_on: sometimes\n") / ".templater.yaml"
    buffer = Buffer(client, tmp_path / "shipped.sms", SHIPPED)
    [problem] = await buffer.open()
    assert ".templater.yaml" in problem.message and problem.severity == lsp.DiagnosticSeverity.Error
    config.write_text("fail_on: error\n", encoding="utf-8")
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[
        lsp.FileEvent(uri=config.as_uri(), type=lsp.FileChangeType.Changed)]))
    assert "mixed-content" in {d.code for d in await buffer.diagnostics()}
