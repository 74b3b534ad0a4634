"""Published CAP messages signed with XML-DSig when the deployment has a key: each still valid against
the OASIS schema, verified with the publisher's certificate, and refused once altered or when checked
against another certificate."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from tests.conftest import ROOT, START, reading
from warning.app import build_runtime
from warning.clock import VirtualClock
from warning.errors import SettingsError
from warning.publish.cap import schema
from warning.publish.signing import verified
from warning.settings import Settings


def _identity(folder: Path, name: str) -> tuple[Path, Path]:
    """A key and a self-signed certificate, as PEM files."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(1).not_valid_before(now).not_valid_after(now + dt.timedelta(days=3650))
            .sign(key, hashes.SHA256()))  # fmt: skip
    key_path, cert_path = folder / f"{name}.key", folder / f"{name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))  # fmt: skip
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _settings(tmp_path: Path, **signing: Path | None) -> Settings:
    return Settings(provider="simulator", database_url=f"sqlite:///{tmp_path / 'w.db'}",
                    rules=(ROOT / "rules" / "flood.yaml",), organisation=ROOT / "org" / "jinan.yaml",
                    **signing)  # type: ignore[arg-type]  # fmt: skip


def test_every_published_message_is_signed_and_verifies_only_unaltered_with_our_certificate(tmp_path: Path) -> None:
    key, cert = _identity(tmp_path, "jinan-warning")
    _, stranger = _identity(tmp_path, "someone-else")
    runtime = build_runtime(_settings(tmp_path, cap_signing_key=key, cap_signing_cert=cert), VirtualClock(START),
                            serve_http=False)  # fmt: skip
    try:
        runtime.engine.ingest_payload(reading(3.7, START), "test")
        runtime.engine.ingest_payload(reading(4.5, START.replace(minute=5)), "test")
        with runtime.store.transaction() as tx:
            messages = [row.xml for row in tx.published_alerts()]
    finally:
        runtime.close()
    assert len(messages) == 2
    for xml in messages:
        assert "<ds:Signature" in xml or "Signature xmlns" in xml
        schema().validate(xml)  # the signature sits where CAP 1.2 allows it
        assert verified(xml, cert.read_bytes())
        assert not verified(xml, stranger.read_bytes())
        assert not verified(xml.replace("橙色", "红色").replace("黄色", "红色"), cert.read_bytes())


def test_a_key_without_its_certificate_or_an_unreadable_one_stops_the_start(tmp_path: Path) -> None:
    key, cert = _identity(tmp_path, "jinan-warning")
    with pytest.raises(SettingsError, match="set both"):
        build_runtime(_settings(tmp_path, cap_signing_key=key), VirtualClock(START), serve_http=False)
    (tmp_path / "garbage.key").write_text("not a key", encoding="utf-8")
    with pytest.raises(SettingsError, match="WARNING_CAP_SIGNING_KEY"):
        build_runtime(_settings(tmp_path, cap_signing_key=tmp_path / "garbage.key", cap_signing_cert=cert),
                      VirtualClock(START), serve_http=False)  # fmt: skip
