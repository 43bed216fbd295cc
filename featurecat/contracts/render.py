"""A run's results as terminal text, JSON, GitHub annotations or JUnit XML.

Text and annotations say each failure the way validation says a problem, on the
expectation's own line: ``PATH:LINE: error: feature user_age: not_null: null share 41.2%
(412 of 1,000 rows), allowed 5% [contract-not_null]``, with up to five failing rows after
it. Every value from the catalog or the data is escaped (:mod:`featurecat.printable`), so a
hostile value in a failing row is shown as text, never run by the terminal.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Callable

from featurecat.contracts.judge import moment
from featurecat.contracts.results import Outcome, Results, dumps
from featurecat.errors import Diagnostic, Severity
from featurecat.printable import plural, printable
from featurecat.report.diagnostics import github_annotation


def diagnostic(outcome: Outcome) -> Diagnostic:
    """A failed or warned outcome as a diagnostic, pinned to its expectation's line."""
    message = f"{outcome.title}: {outcome.message}"
    if outcome.examples:
        message += f"; failing rows: {'; '.join(outcome.examples)}"
    severity: Severity = "warning" if outcome.status == "warn" else "error"
    return Diagnostic(outcome.path, outcome.line, 0, f"contract-{outcome.kind}", severity, message)


def render_text(results: Results) -> str:
    """Each failure and warning on its own line (its failing rows below it), then a verdict."""
    lines: list[str] = []
    for outcome in results.outcomes:
        if outcome.status == "pass":
            continue
        word = "error" if outcome.failed else "warning"
        where = f"{printable(outcome.path)}:{outcome.line}"
        lines.append(
            f"{where}: {word}: {printable(outcome.title)}: {printable(outcome.message)} "
            f"[contract-{outcome.kind}]"
        )
        lines += [f"    {printable(example)}" for example in outcome.examples]
    lines.append(summary(results))
    return "\n".join(lines)


def summary(results: Results) -> str:
    """``FAILED: 2 of 31 expectations failed, 1 warned (now 2025-07-01 00:00 UTC)``."""
    counts = results.counts()
    failed = counts["fail"] + counts["error"]
    total = len(results.outcomes)
    warned = f", {counts['warn']} warned" if counts["warn"] else ""
    skipped = f"; skipped: {', '.join(results.skipped)}" if results.skipped else ""
    when = f" (now {moment(results.now)}{skipped})"
    if failed:
        return f"FAILED: {failed} of {plural(total, 'expectation')} failed{warned}{when}"
    if not total:
        return f"OK: no expectations selected{when}"
    return f"OK: {counts['pass']} of {plural(total, 'expectation')} hold{warned}{when}"


def render_json(results: Results) -> str:
    """The results file's content, with ``ok`` and each outcome's display path."""
    document = json.loads(dumps(results))
    document = {"ok": not results.failed, **document}
    return json.dumps(document, indent=2)


def render_github(results: Results) -> str:
    """``::error file=...,line=...::`` per failure and ``::warning`` per warning, then the
    verdict as a notice."""
    lines = [github_annotation(diagnostic(o)) for o in results.outcomes if o.status != "pass"]
    lines.append(f"::notice::{printable(summary(results))}")
    return "\n".join(lines)


def render_junit(results: Results) -> str:
    """JUnit XML, as CI systems show tests: a suite per source, a case per expectation.

    The Ant format every CI system reads: a failure is a ``<failure>``, one that could not
    be measured an ``<error>``; a warning passes, with its message in ``<system-out>``.
    """
    root = ET.Element("testsuites", name=f"featurecat contracts: {_x(results.catalog)}")
    suites: dict[str, ET.Element] = {}
    for outcome in results.outcomes:
        suite = suites.get(outcome.source)
        if suite is None:
            suite = ET.SubElement(root, "testsuite", name=f"source {_x(outcome.source)}")
            suites[outcome.source] = suite
        case = ET.SubElement(
            suite,
            "testcase",
            name=_x(f"{outcome.name}: {outcome.kind}"),
            classname=_x(f"featurecat.{outcome.target}.{outcome.name}"),
            time="0",
        )
        text = _x(diagnostic(outcome).render()) if outcome.status != "pass" else ""
        if outcome.status == "fail":
            ET.SubElement(
                case, "failure", type=outcome.kind, message=_x(outcome.message)
            ).text = text
        elif outcome.status == "error":
            ET.SubElement(case, "error", type=outcome.kind, message=_x(outcome.message)).text = text
        elif outcome.status == "warn":
            ET.SubElement(case, "system-out").text = text
    for element in [root, *suites.values()]:
        element.set("tests", str(sum(1 for _ in element.iter("testcase"))))
        element.set("failures", str(sum(1 for _ in element.iter("failure"))))
        element.set("errors", str(sum(1 for _ in element.iter("error"))))
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode")


def _x(text: str) -> str:
    """Text XML 1.0 can hold: control characters (which it cannot) escaped visibly."""
    return printable(text)


FORMATS: dict[str, Callable[[Results], str]] = {
    "text": render_text,
    "json": render_json,
    "github": render_github,
    "junit": render_junit,
}
