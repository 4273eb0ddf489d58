"""The run report: ``OUT/report/report.json`` (stable, versioned numbers) and ``index.html`` rendered from it."""

from corpusforge.report.build import SCHEMA, build_report, write_report
from corpusforge.report.html import render_html
from corpusforge.report.inputs import write_run_info

__all__ = ["SCHEMA", "build_report", "render_html", "write_report", "write_run_info"]
