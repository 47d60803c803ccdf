"""Certificates: the trust context, why verification failed, and how soon one expires."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from typing import Any

_EXPIRED, _NOT_YET_VALID = 10, 9
_SELF_SIGNED, _SELF_SIGNED_IN_CHAIN, _UNKNOWN_ISSUER, _HOSTNAME = 18, 19, 20, 62
DATED = (_EXPIRED, _NOT_YET_VALID)  # errors that read better with the certificate's dates


def context() -> ssl.SSLContext:
    """The system's trust store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured)."""
    return ssl.create_default_context()


def insecure_context() -> ssl.SSLContext:
    """For reading the dates of a certificate that already failed verification; never trusted."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    return ctx


def describe_verify_error(exc: ssl.SSLCertVerificationError, host: str,
                          der: bytes | None = None) -> str:
    """Plain words for a failed verification; ``der`` is the certificate when it was fetched."""
    code = exc.verify_code
    dates = validity(der) if der else None
    if code == _EXPIRED:
        return f"certificate expired on {dates[1]:%Y-%m-%d}" if dates else \
            "certificate has expired"
    if code == _NOT_YET_VALID:
        return f"certificate is not valid before {dates[0]:%Y-%m-%d}" if dates else \
            "certificate is not valid yet"
    if code == _SELF_SIGNED:
        return "certificate is self-signed"
    if code == _SELF_SIGNED_IN_CHAIN:
        return "certificate chain ends in an untrusted self-signed root"
    if code == _UNKNOWN_ISSUER:
        return "certificate is signed by an unknown authority"
    if code == _HOSTNAME:
        return f"certificate is not valid for {host!r}"
    return f"certificate verify failed: {exc.verify_message}"


def describe_ssl_error(exc: ssl.SSLError) -> str:
    reason = exc.reason or str(exc)
    return f"TLS handshake failed ({str(reason).lower().replace('_', ' ')})"


def expiry_warning(peercert: dict[str, Any] | None, within: timedelta | None,
                   now: datetime | None = None) -> str | None:
    """``"certificate expires on 2026-12-01 (in 6 days)"`` when it expires within ``within``."""
    if within is None or not peercert or "notAfter" not in peercert:
        return None
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(peercert["notAfter"]), UTC)
    left = expires - (now or datetime.now(UTC))
    if left > within:
        return None
    days = left // timedelta(days=1)
    when = "less than a day" if days < 1 else f"{days} day{'s' if days != 1 else ''}"
    return f"certificate expires on {expires:%Y-%m-%d} (in {when})"


def validity(der: bytes) -> tuple[datetime, datetime] | None:
    """(notBefore, notAfter) read from a DER certificate; None when it cannot be read."""
    try:
        _, pos, _ = _tlv(der, 0)  # Certificate
        _, pos, _ = _tlv(der, pos)  # TBSCertificate
        tag, start, end = _tlv(der, pos)
        if tag == 0xA0:  # [0] version
            tag, start, end = _tlv(der, end)
        for _ in range(2):  # after serialNumber: signature, issuer
            tag, start, end = _tlv(der, end)
        _, pos, _ = _tlv(der, end)  # validity
        times = []
        for _ in range(2):
            tag, start, end = _tlv(der, pos)
            times.append(_asn1_time(tag, der[start:end].decode("ascii")))
            pos = end
        return times[0], times[1]
    except (IndexError, ValueError):
        return None


def _tlv(data: bytes, pos: int) -> tuple[int, int, int]:
    """The tag, content start and content end of the DER element at ``pos``."""
    tag, length = data[pos], data[pos + 1]
    pos += 2
    if length & 0x80:
        size = length & 0x7F
        length = int.from_bytes(data[pos:pos + size], "big")
        pos += size
    if pos + length > len(data):
        raise IndexError("truncated")
    return tag, pos, pos + length


def _asn1_time(tag: int, text: str) -> datetime:
    if tag == 0x17:  # UTCTime: YYMMDDHHMMSSZ
        value = datetime.strptime(text, "%y%m%d%H%M%SZ")
    elif tag == 0x18:  # GeneralizedTime: YYYYMMDDHHMMSSZ
        value = datetime.strptime(text, "%Y%m%d%H%M%SZ")
    else:
        raise ValueError(f"not a time (tag {tag})")
    return value.replace(tzinfo=UTC)
