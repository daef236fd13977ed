"""The Content-Security-Policy header is on every page, admin included, and the templates
hold nothing it would block (the browser tests check the rendered pages in Chromium)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django.urls import reverse

SRC = Path(__file__).resolve().parents[2] / "src" / "xuefen"


@pytest.mark.parametrize("path", ["/login/", "/admin/login/", "/no-such-page/"])
def test_every_response_carries_the_policy(client, db, path):
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_templates_hold_no_inline_script_or_style():
    offences = []
    for template in SRC.rglob("templates/**/*.html"):
        text = template.read_text(encoding="utf-8")
        name = template.relative_to(SRC)
        scripts = re.findall(r"<script[^>]*>", text)
        offences += [f"{name}: inline <script>" for tag in scripts if "src=" not in tag]
        offences += [f"{name}: style attribute" for _ in re.findall(r"\sstyle=", text)]
        offences += [f"{name}: <style>" for _ in re.findall(r"<style", text)]
        offences += [f"{name}: inline handler" for _ in re.findall(r"\son[a-z]+=", text)]
    assert offences == []


def test_htmx_adds_no_inline_styles(client, people):
    client.force_login(people.school_admin_a)
    body = client.get(reverse("portal:roster", args=[people.school_a.pk])).content.decode()
    # No indicator <style> element, and swaps never settle a style attribute onto new
    # elements (htmx copies it from the old one by default, which the CSP refuses).
    config = re.search(r"<meta name=\"htmx-config\" content='([^']*)'>", body)
    assert config is not None
    settings = json.loads(config.group(1))
    assert settings["includeIndicatorStyles"] is False
    assert "style" not in settings["attributesToSettle"]
