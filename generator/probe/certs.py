"""Certificates: the trust context, why verification failed, and how soon one expires."""

from __future__ import annotations

import ssl
from datetime import UTC, datetime, timedelta
from typing import Any

from generator.probe.base import Failure

_EXPIRED, _NOT_YET_VALID = 10, 9
_SELF_SIGNED, _SELF_SIGNED_IN_CHAIN, _UNKNOWN_ISSUER, _HOSTNAME = 18, 19, 20, 62
DATED = (_EXPIRED, _NOT_YET_VALID)  # errors that read better with the certificate's dates


def context(alpn: tuple[str, ...] = ("http/1.1",)) -> ssl.SSLContext:
    """The system's trust store (``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` are honoured)."""
    ctx = ssl.create_default_context()
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def insecure_context(alpn: tuple[str, ...] = ()) -> ssl.SSLContext:
    """For reading a certificate that already failed verification, or asking for HTTP/2."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if alpn:
        ctx.set_alpn_protocols(list(alpn))
    return ctx


def verify_failure(exc: ssl.SSLCertVerificationError, host: str,
                   der: bytes | None = None) -> Failure:
    """Plain words for a failed verification; ``der`` is the certificate when it was fetched."""
    code = exc.verify_code
    dates = validity(der) if der else None
    if code == _EXPIRED:
        return Failure("cert_expired", network=False, date=f"{dates[1]:%Y-%m-%d}") if dates \
            else Failure("cert_expired_undated", network=False)
    if code == _NOT_YET_VALID:
        return Failure("cert_not_yet_valid", network=False, date=f"{dates[0]:%Y-%m-%d}") \
            if dates else Failure("cert_not_yet_valid_undated", network=False)
    simple = {_SELF_SIGNED: "cert_self_signed", _SELF_SIGNED_IN_CHAIN: "cert_untrusted_root",
              _UNKNOWN_ISSUER: "cert_unknown_issuer"}
    if code in simple:
        return Failure(simple[code], network=False)
    if code == _HOSTNAME:
        return Failure("cert_hostname", network=False, host=repr(host))
    return Failure("cert_invalid", network=False, detail=exc.verify_message)


def tls_failure(exc: ssl.SSLError) -> Failure:
    reason = exc.reason or str(exc)
    return Failure("tls_failed", network=False, detail=str(reason).lower().replace("_", " "))


def expiry_warning(peercert: dict[str, Any] | None, within: timedelta | None,
                   now: datetime | None = None) -> tuple[str, dict[str, Any]] | None:
    """``("cert_expiring", {date, days})`` when the certificate expires within ``within``."""
    if within is None or not peercert or "notAfter" not in peercert:
        return None
    expires = datetime.fromtimestamp(ssl.cert_time_to_seconds(peercert["notAfter"]), UTC)
    left = expires - (now or datetime.now(UTC))
    if left > within:
        return None
    days = left // timedelta(days=1)
    date = f"{expires:%Y-%m-%d}"
    if days < 1:
        return "cert_expiring_hours", {"date": date}
    if days == 1:
        return "cert_expiring_day", {"date": date}
    return "cert_expiring", {"date": date, "days": days}


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
