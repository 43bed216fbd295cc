"""Presentation of a change report: terminal text, Markdown for pull requests, JSON, GitHub.

Markdown is what a PR comment and a job summary show. GitHub refuses comments longer than
65,536 characters, so :func:`render_markdown` summarises a large report (fewer rows per
table, then counts) until it fits under :data:`MARKDOWN_LIMIT`. Every user-written string is
escaped, and nothing in it can @-mention anyone.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import asdict
from typing import Any

from featurecat.changes import describe_value
from featurecat.compat import Assessment, Consumer, Finding, Report, describe_finding
from featurecat.errors import Diagnostic
from featurecat.names import Kind
from featurecat.printable import plural
from featurecat.report.diagnostics import github_annotation
from featurecat.rules import LEVELS, Level
from featurecat.similar import Similarity, duplicates_of

#: A comment marker, so a CI job can find and update its own comment.
MARKER = "<!-- featurecat-report -->"
#: GitHub's limit for a comment body is 65,536 characters; keep room for a wrapper.
MARKDOWN_LIMIT = 60_000
_ROW_CAPS: tuple[int | None, ...] = (None, 100, 25, 5, 0)
#: The field of the findings that say how a feature's data moved (featurecat.contracts.drift).
DATA = "data"

_HEADINGS: dict[Level, str] = {
    "breaking": "Breaking changes",
    "warning": "Warnings",
    "compatible": "Compatible changes",
}
_LABELS: dict[Level, str] = {"breaking": "BREAKING", "warning": "WARNING", "compatible": "ok"}


def render_text(report: Report) -> str:
    """For terminals: one block per changed object, then what must be fixed."""
    blocks: list[str] = []
    for level in reversed(LEVELS):
        for a in report.at(level):
            where = f"  ({a.path})" if a.path else ""
            blocks.append(f"{_LABELS[level]:<9} {a.kind.value} {a.name}: {_action(a)}{where}")
            shown = _shown(a)
            blocks += [f"  {_finding_text(f)}: {f.reason}" for f in shown]
            if not shown and a.level != "compatible":
                blocks.append(f"  {a.findings[0].reason}")
            users = ", ".join(_consumer(c) for c in a.consumers)
            if users:
                blocks.append(f"  used by: {users}")
    lines = [_title(report), _counts(report)]
    lines += ["", *blocks] if blocks else []
    duplicates = _duplicates(report)
    if duplicates:
        lines += ["", "Possible duplicates:"]
        lines += [f"  {_duplicate(d)}" for d in duplicates]
    teams = report.teams_to_tell()
    if teams:
        lines += ["", "Teams to tell:"]
        lines += [f"  {team}: {', '.join(models)}" for team, models in teams.items()]
    lines += _text_diagnostics("Must fix", report.problems)
    lines += _text_diagnostics("The head does not validate", report.errors)
    lines += ["", _verdict(report)]
    return "\n".join(lines)


def render_markdown(report: Report, limit: int = MARKDOWN_LIMIT) -> str:
    """For a PR comment or a job summary; summarised until it fits in ``limit`` characters."""
    for cap in _ROW_CAPS:
        text = _markdown(report, cap)
        if len(text) <= limit:
            return text
    note = "\n\n_The report was cut to fit; run `featurecat diff` for all of it._\n"
    cut = text.rfind("\n", 0, limit - len(note))
    return text[: max(cut, 0)] + note


def render_json(report: Report) -> str:
    """For tools: every assessment with its findings, consumers and problems."""
    diff = report.diff
    document = {
        "ok": not report.failed,
        "base": {"ref": diff.old.ref, "commit": diff.old.commit},
        "head": {"ref": diff.new.ref, "commit": diff.new.commit},
        "summary": _summary(report),
        "changes": [_assessment_json(a) for a in report.assessments],
        "teams": report.teams_to_tell(),
        "duplicates": [
            {
                "feature": d.feature,
                "other": d.other,
                "reasons": list(d.reasons),
                "message": _duplicate(d),
            }
            for d in _duplicates(report)
        ],
        "problems": [asdict(p) for p in report.problems],
        "errors": [asdict(d) for d in report.errors],
        "warnings": [asdict(d) for d in report.validation if not d.is_error],
    }
    return json.dumps(document, indent=2, default=str)


def render_github(report: Report) -> str:
    """Workflow commands: the problems, then the head's validation errors, as annotations."""
    return "\n".join(github_annotation(d) for d in [*report.problems, *report.errors])


FORMATS: dict[str, Callable[[Report], str]] = {
    "text": render_text,
    "markdown": render_markdown,
    "json": render_json,
    "github": render_github,
}


def _markdown(report: Report, cap: int | None) -> str:
    parts = [MARKER, f"### featurecat: {md(_title(report, '→'))}", "", _verdict_md(report), ""]
    parts += [md(_counts(report)), ""]
    if report.problems:
        parts += ["#### Must fix", ""]
        parts += _capped([_diagnostic_md(d) for d in report.problems], cap)
        parts.append("")
    if report.errors:
        parts += [f"#### The head does not validate ({plural(len(report.errors), 'error')})", ""]
        parts += _capped([_diagnostic_md(d) for d in report.errors], cap)
        parts.append("")
    for level in reversed(LEVELS):
        rows = [_row_md(a) for a in report.at(level)]
        if rows:
            parts += [f"#### {_HEADINGS[level]} ({len(rows)})", ""]
            parts += ["| | What changed | Used by |", "|---|---|---|"]
            parts += _capped(rows, cap, table=True)
            parts.append("")
    duplicates = _duplicates(report)
    if duplicates:
        parts += [f"#### Possible duplicates ({len(duplicates)})", ""]
        parts += _capped(
            [
                f"- {code(d.feature)} looks like a duplicate of {code(d.other)} ({md(d.because)})"
                for d in duplicates
            ],
            cap,
        )
        parts.append("")
    teams = report.teams_to_tell()
    if teams:
        parts += ["#### Teams to tell", ""]
        parts += _capped(
            [f"- {code(team)}: {md(', '.join(models))}" for team, models in teams.items()], cap
        )
        parts.append("")
    warnings = [d for d in report.validation if not d.is_error]
    if warnings:
        summary = plural(len(warnings), "validation warning")
        parts += [f"<details><summary>{summary}</summary>", ""]
        parts += _capped([_diagnostic_md(d) for d in warnings], cap)
        parts += ["", "</details>"]
    return "\n".join(parts).rstrip("\n")


def _duplicates(report: Report) -> list[Similarity]:
    """Features this change adds (or renames) that look like features the catalog has."""
    added = [
        a.name
        for a in report.assessments
        if a.kind is Kind.FEATURE and a.action in ("added", "renamed")
    ]
    return duplicates_of(report.diff.new, added) if added else []


def _duplicate(similarity: Similarity) -> str:
    return (
        f"{similarity.feature} looks like a duplicate of {similarity.other} ({similarity.because})"
    )


def _row_md(a: Assessment) -> str:
    what = "<br>".join(_finding_md(f) for f in _shown(a)) or _lifecycle_md(a)
    users = ", ".join(
        md(_consumer(c, handle=False)) + (f" {code(c.github)}" if c.github else "")
        for c in a.consumers
    )
    title = f"{a.kind.value} {code(a.name)}"
    if a.change is not None and a.change.old_name:
        title += f" (was {code(a.change.old_name)})"
    return f"| {title} | {what} | {users or '-'} |"


def _lifecycle_md(a: Assessment) -> str:
    text = f"**{md(_action(a))}**"
    if a.level != "compatible" and a.findings:
        text += f": {md(a.findings[0].reason)}"
    return text


def _finding_text(f: Finding) -> str:
    # A data finding (featurecat diff --check-data) says how the values moved, in full.
    return f"data: {f.new}" if f.field == DATA else describe_finding(f)


def _finding_md(f: Finding) -> str:
    if f.field == DATA:
        return f"{code('data')}: {md(str(f.new))}: {md(f.reason)}"
    if f.field in ("added", "removed"):
        text = f"**{f.field}**: {md(f.reason)}"
    elif f.field == "description":
        text = "description reworded"
    else:
        text = f"{code(f.field)}: {code(describe_value(f.old))} → {code(describe_value(f.new))}"
        text += f": {md(f.reason)}"
    return text + (f" _(via {md(f.via)})_" if f.via else "")


def _diagnostic_md(d: Diagnostic) -> str:
    return f"- {code(f'{d.path}:{d.line}')}: {md(d.message)}"


def _capped(lines: list[str], cap: int | None, table: bool = False) -> list[str]:
    if cap is None or len(lines) <= cap:
        return lines
    more = f"… and {len(lines) - cap} more (run `featurecat diff` to see all)"
    return [*lines[:cap], f"| {more} | | |" if table else f"- {more}"]


def _shown(a: Assessment) -> list[Finding]:
    """The findings worth a line: lifecycle findings say it all for added or removed objects."""
    return [f for f in a.findings if f.field not in ("added", "removed") or f.via]


def _title(report: Report, arrow: str = "->") -> str:
    diff = report.diff
    base, head = _side(diff.old.ref, diff.old.commit), _side(diff.new.ref, diff.new.commit)
    return f"catalog {diff.new.project.name}: {base} {arrow} {head}"


def _side(ref: str | None, commit: str | None) -> str:
    if ref is None:
        return "the working tree"
    if commit is None or commit.startswith(ref):
        return (commit or ref)[:8]
    return f"{ref} ({commit[:8]})"


def _summary(report: Report) -> dict[str, int]:
    actions = ("added", "removed", "renamed", "modified", "affected")
    counts = {action: 0 for action in actions}
    for a in report.assessments:
        counts[a.action] += 1
    for level in LEVELS:
        counts[level] = len(report.at(level))
    counts["problems"] = len(report.problems)
    counts["errors"] = len(report.errors)
    return counts


def _counts(report: Report) -> str:
    summary = _summary(report)
    actions = [
        f"{summary[key]} {label}"
        for key, label in (
            ("added", "added"),
            ("removed", "removed"),
            ("renamed", "renamed"),
            ("modified", "modified"),
            ("affected", "reached through a changed source or entity"),
        )
        if summary[key]
    ]
    levels = [f"{summary[level]} {level}" for level in ("breaking", "warning") if summary[level]]
    nothing = "no changes to the catalog"
    if report.errors:
        nothing = "no changes among the files that load"
    return ", ".join(actions or [nothing]) + (f": {', '.join(levels)}" if levels else "")


def _verdict(report: Report) -> str:
    if report.failed:
        parts = []
        if report.problems:
            parts.append(plural(len(report.problems), "problem"))
        if report.errors:
            parts.append(plural(len(report.errors), "validation error"))
        return f"FAILED: {' and '.join(parts)} to fix before merging"
    breaking = report.at("breaking")
    if not breaking:
        return "OK: no breaking changes"
    unused = sum(a.action in ("removed", "renamed") for a in breaking)
    how = [
        f"{len(breaking) - unused} with a version bump" if len(breaking) > unused else "",
        f"{unused} removed or renamed, used by no model" if unused else "",
    ]
    return f"OK: {plural(len(breaking), 'breaking change')} ({'; '.join(filter(None, how))})"


def _verdict_md(report: Report) -> str:
    icon = "❌" if report.failed else "✅"
    return f"{icon} **{md(_verdict(report))}**"


def _action(a: Assessment) -> str:
    if a.action == "renamed" and a.change is not None:
        return f"renamed from {a.change.old_name}"
    return a.action


def _consumer(c: Consumer, handle: bool = True) -> str:
    team = c.team if handle else c.owner
    return f"{c.model} ({team})" + ("" if c.uses_now else ", stops using it here")


def _text_diagnostics(title: str, diagnostics: Iterable[Diagnostic]) -> list[str]:
    lines = [str(d) for d in diagnostics]
    return ["", f"{title}:", *lines] if lines else []


def _assessment_json(a: Assessment) -> dict[str, Any]:
    return {
        "kind": a.kind.value,
        "name": a.name,
        "action": a.action,
        "old_name": a.change.old_name if a.change else None,
        "path": a.path,
        "level": a.level,
        "findings": [asdict(f) for f in a.findings],
        "used_by": [asdict(c) for c in a.consumers],
        "problems": [asdict(p) for p in a.problems],
    }


_MD_SPECIAL = re.compile(r"([\\`*_\[\]#|~])")


def md(text: str) -> str:
    """User-written text made inert in Markdown: no HTML, no formatting, no @-mentions."""
    flat = " ".join(str(text).split())
    if len(flat) > 300:
        flat = flat[:297] + "..."
    escaped = _MD_SPECIAL.sub(r"\\\1", html.escape(flat, quote=False))
    return escaped.replace("@", "@\u200b")


def code(text: str) -> str:
    """Text in a code span (shown verbatim, never a mention); backticks fall back to md()."""
    flat = " ".join(str(text).split())
    if "`" in flat or len(flat) > 120:
        return md(flat)
    return f"`{flat.replace('|', '¦')}`"
