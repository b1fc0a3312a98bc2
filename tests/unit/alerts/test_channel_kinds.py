"""Channel kinds are named only by their channels: the registry is the one place to ask.

Read from the source with ``ast`` (templates with a regular expression), for every module of
``ugly_mugs`` and ``alerts`` outside ``alerts/delivery/channels/`` and every template, new ones
included: no comparison with a registered kind (``kind == "email"``, ``kind in ("email", …)``,
``case "webhook":``), and no table of two or more kinds (a dict or tuple standing in for an
if/elif). A word that is also something else — "email" is an identifier kind in matching — is
compared through a named constant of its own (``normalise.EMAIL``), not as a bare string.

Also the registry's own rules. The checker is tested on samples so that one which finds
nothing cannot pass unnoticed.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

import pytest

from alerts.delivery import channels
from tests.support.source import ALL_FILES, ROOT
from tests.support.source import rel as _rel

KINDS = frozenset(channels.kinds())
CHANNEL_PACKAGE = "alerts/delivery/channels/"
SOURCES = [p for p in ALL_FILES if not _rel(p).startswith(CHANNEL_PACKAGE)]
TEMPLATES = sorted((ROOT / "ugly_mugs" / "templates").rglob("*.html"))


def _kind(node: ast.AST, kinds: frozenset[str]) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in kinds:
        return node.value
    return None


def _kinds_in_literal(node: ast.AST, kinds: frozenset[str]) -> set[str]:
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return {k for e in node.elts if (k := _kind(e, kinds))}
    if isinstance(node, ast.Dict):
        return {k for e in node.keys if e is not None and (k := _kind(e, kinds))}
    return set()


def kind_comparisons(source: str, kinds: frozenset[str] = KINDS) -> list[tuple[int, str]]:
    """(line, what) for each comparison with a kind, match on a kind, or literal table of kinds."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Compare):
            for operand in [node.left, *node.comparators]:
                named = {_kind(operand, kinds)} - {None} or _kinds_in_literal(operand, kinds)
                found += [(node.lineno, f"compares with {k!r}") for k in sorted(named)]
        elif isinstance(node, ast.MatchValue) and (k := _kind(node.value, kinds)):
            found.append((node.lineno, f"matches {k!r}"))
        elif len(table := _kinds_in_literal(node, kinds)) >= 2:
            found.append((node.lineno, f"lists kinds {sorted(table)}"))
    return sorted(set(found))


def template_kind_comparisons(text: str, kinds: frozenset[str] = KINDS) -> list[tuple[int, str]]:
    names = "|".join(re.escape(k) for k in sorted(kinds))
    quoted = rf"""(?:'(?:{names})'|"(?:{names})")"""
    pattern = re.compile(rf"(?:==|!=)\s*{quoted}|{quoted}\s*(?:==|!=)|\bin\s*[(\[][^)\]]*{quoted}")
    return [(text.count("\n", 0, m.start()) + 1, m.group(0)) for m in pattern.finditer(text)]


def test_the_built_in_channels_are_registered():
    assert {"email", "webhook"} <= KINDS
    assert len(SOURCES) >= 60 and len(TEMPLATES) >= 10


@pytest.mark.parametrize("path", SOURCES, ids=_rel)
def test_no_module_outside_the_channels_compares_a_kind(path):
    found = kind_comparisons(path.read_text(encoding="utf-8"))
    assert not found, f"{_rel(path)} {found}: ask alerts.delivery.channels (get(kind), a Channel attribute) instead"


@pytest.mark.parametrize("path", TEMPLATES, ids=_rel)
def test_no_template_compares_a_kind(path):
    found = template_kind_comparisons(path.read_text(encoding="utf-8"))
    assert not found, f"{_rel(path)} {found}: let the view pass what the channel says"


CAUGHT = [
    'if job.kind == "email":\n    pass\n',
    'if "webhook" != kind:\n    pass\n',
    'ok = kind in ("email", "sms")\n',
    'ok = kind not in {"webhook"}\n',
    'match kind:\n    case "email":\n        pass\n',
    'SENDERS = {"email": send_mail, "webhook": post}\n',
    'KINDS = ("email", "webhook")\n',
    'rows = select(Delivery).where(Delivery.kind == "webhook")\n',
]
PASSED = [
    'EMAIL = "email"\nif identifier.kind == EMAIL:\n    pass\n',  # matching's own word, named
    'add(ProjectChannel(kind=email.KIND, target="a@b.org"))\n',
    'SHORT = {"phone": "Phone", "email": "Email"}\n',  # one kind among other words is not a table
    'if kind == "sms":\n    pass\n',  # not a registered kind (in this sample's set)
]


@pytest.mark.parametrize("source", CAUGHT)
def test_checker_catches_every_form_of_comparison(source):
    assert kind_comparisons(source, frozenset({"email", "webhook"})), source


@pytest.mark.parametrize("source", PASSED)
def test_checker_passes_what_is_not_a_comparison_of_kinds(source):
    assert kind_comparisons(source, frozenset({"email", "webhook"})) == [], source


def test_template_checker():
    kinds = frozenset({"email", "webhook"})
    assert template_kind_comparisons("{% if channel.kind == 'webhook' %}x{% endif %}", kinds)
    assert template_kind_comparisons('{% if "email" != c.kind %}', kinds)
    assert template_kind_comparisons("{% if c.kind in ('email', 'sms') %}", kinds)
    assert not template_kind_comparisons("{{ input(form.address, type='email') }}", kinds)
    assert not template_kind_comparisons("{% if channel.kind in secret_kinds %}", kinds)


# --- the registry's own rules -------------------------------------------------------------------


@dataclass
class Fake:
    kind: str
    label: str = "Fake"
    add_label: str = "Add a fake"
    field: channels.TargetField = channels.TargetField("fake", "Fake", "text", 10, "Say something.")
    has_secret: bool = False

    def check_target(self, raw: str, config) -> str:
        return raw

    def destination(self, target: str) -> str:
        return target

    def new_secret(self) -> str:
        return "s"

    def configure(self, config):
        return None

    def open(self, settings):
        raise NotImplementedError


def test_register_get_and_unregister():
    fake = Fake("fake")
    assert channels.register(fake) is fake
    try:
        assert channels.get("fake") is fake
        assert channels.kinds()[-1] == "fake" and channels.registered()[-1] is fake
    finally:
        channels.unregister("fake")
    with pytest.raises(channels.UnknownChannel):
        channels.get("fake")
    channels.unregister("fake")  # twice is harmless


@pytest.mark.parametrize("kind", ["", "Email", "sms gateway", "x" * 17, "1sms", "sms-kannel"])
def test_register_refuses_a_kind_that_does_not_fit_the_columns(kind):
    with pytest.raises(ValueError, match="lower-case"):
        channels.register(Fake(kind))
    assert kind not in channels.kinds()


def test_register_refuses_a_second_channel_of_a_kind():
    before = channels.get("email")
    with pytest.raises(ValueError, match="already registered"):
        channels.register(Fake("email"))
    assert channels.get("email") is before


def test_register_refuses_what_is_not_a_channel():
    class Half:
        kind = "half"

        def open(self, settings):
            return None

    with pytest.raises(TypeError):
        channels.register(Half())
    assert "half" not in channels.kinds()


def test_unknown_kind_in_a_batch_is_a_failure_to_retry_not_a_crash():
    transports = channels.Transports({})
    with pytest.raises(channels.DeliveryFailed) as raised:
        transports["pigeon"]
    assert raised.value.reason == "unknown channel kind 'pigeon'" and not raised.value.permanent


def test_built_in_channels_check_what_is_typed():
    email, webhook = channels.get("email"), channels.get("webhook")
    assert email.check_target(" Drop-In@Basis.Example ", {}) == "Drop-In@basis.example"
    assert webhook.check_target(" https://hooks.example/x ", {}) == "https://hooks.example/x"
    assert email.destination("Drop-In@basis.example") == "basis.example"
    assert webhook.destination("https://hooks.example/x") == webhook.destination("https://HOOKS.example:443/y")
    for channel, bad in (
        (email, "a@b"),
        (email, "no-at-sign"),
        (webhook, "ftp://x.example/"),
        (webhook, "https://[::1]/"),
    ):
        with pytest.raises(channels.ChannelInputError):
            channel.check_target(bad, {})
    assert webhook.has_secret and len(webhook.new_secret()) >= 32 and not email.has_secret


def test_built_in_settings_errors_name_their_variable():
    with pytest.raises(channels.ChannelSettingsError, match="^UGLY_MUGS_SMTP_URL: .*needs TLS"):
        channels.get("email").configure({"SMTP_URL": "smtp://u:p@mail.example", "MAIL_FROM": "a@b.org"})


def test_gateway_errors_tell_the_worker_whether_to_retry():
    from alerts.delivery.sms import PermanentGatewayError, TemporaryGatewayError

    assert PermanentGatewayError("refused").permanent is True
    assert TemporaryGatewayError("timed out").permanent is False
