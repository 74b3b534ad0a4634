"""CAP messages signed with XML-DSig (signxml): an enveloped RSA-SHA256 signature over the whole alert,
with exclusive canonicalisation, carrying the publisher's X.509 certificate, as CAP 1.2 (3.3.2.1)
allows after the last `info`. A receiver checks it against the certificate it trusts for us; a message
altered on the way, or signed with another key, fails."""

from __future__ import annotations

from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from lxml import etree
from signxml.algorithms import SignatureConstructionMethod
from signxml.exceptions import InvalidInput, InvalidSignature
from signxml.signer import XMLSigner
from signxml.verifier import SignatureConfiguration, XMLVerifier

from warning.errors import SettingsError

C14N = "http://www.w3.org/2001/10/xml-exc-c14n#"


class CapSigner:
    def __init__(self, key_pem: bytes, cert_pem: bytes) -> None:
        self.key = key_pem
        self.cert = cert_pem
        self._signer = XMLSigner(method=SignatureConstructionMethod.enveloped, signature_algorithm="rsa-sha256",
                                 digest_algorithm="sha256", c14n_algorithm=C14N)  # fmt: skip

    @classmethod
    def from_files(cls, key: Path, cert: Path) -> CapSigner:
        """The key and certificate (PEM); SettingsError naming the variable of one that will not do."""
        problems = []
        try:
            key_pem = key.read_bytes()
            load_pem_private_key(key_pem, password=None)
        except (OSError, ValueError, TypeError) as exc:
            problems.append(f"WARNING_CAP_SIGNING_KEY: {key}: not an unencrypted PEM private key ({exc})")
        try:
            cert_pem = cert.read_bytes()
            x509.load_pem_x509_certificate(cert_pem)
        except (OSError, ValueError) as exc:
            problems.append(f"WARNING_CAP_SIGNING_CERT: {cert}: not a PEM certificate ({exc})")
        if problems:
            raise SettingsError(problems)
        return cls(key_pem, cert_pem)

    def sign(self, xml: str) -> str:
        root = etree.fromstring(xml.encode("utf-8"))
        signed = self._signer.sign(root, key=self.key, cert=self.cert.decode("ascii"))
        return str(etree.tostring(signed, encoding="unicode"))


def verified(xml: str, cert_pem: bytes) -> bool:
    """Whether the message carries a valid signature by the holder of `cert_pem`."""
    try:
        XMLVerifier().verify(xml.encode("utf-8"), x509_cert=cert_pem.decode("ascii"),
                             expect_config=SignatureConfiguration(require_x509=True))  # fmt: skip
    except (InvalidSignature, InvalidInput):
        return False
    return True
