"""X.509 proxies: where the legacy client found one, its expiry and its VOMS FQANs.

Read in-process, without voms tools and without the cryptography package: a proxy file
is PEM (the proxy certificate first, then its key and the chain), and the few DER
structures needed (the certificate's validity, names and extensions; the VOMS attribute
certificate inside extension 1.3.6.1.4.1.8005.100.100.5) are walked by a small DER
reader. Nothing here verifies a signature: the FQAN only decides which role a legacy
call meant (legacy-jobsub.md §12), and the schedd checks every credential itself.
No voms-proxy-info process (nor sh, which runs the credential tools): the pre-flight
reads the proxy on every submit, where a process and sh's import (~75 ms) would cost
more than the whole call, and the voms-proxy-info on PATH may be this shim's own.
Plain classes, not dataclasses: the pre-flight imports this module on every submit.
"""

from __future__ import annotations

import binascii
import os
import time

from . import userfiles

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing on every call
if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping

TMP = "/tmp"  # where the legacy client looked for x509up_u<uid>; tests point it elsewhere
PROXY_LIMIT = 1 * userfiles.MiB  # a proxy with its chain is a few kB
VOMS_AC_OID = "1.3.6.1.4.1.8005.100.100.5"  # extension: SEQUENCE OF attribute certificates
VOMS_FQAN_OID = "1.3.6.1.4.1.8005.100.100.4"  # AC attribute: IetfAttrSyntax of FQANs
# Patterns, compiled (and re imported) only when there is a proxy to look at: most calls
# have none, and importing re costs ~5 ms a call.
PRODUCTION_PROXY = r"^/opt/([^/]+)pro/\1pro\.Production\.proxy$"
_PEM_CERT = rb"-----BEGIN CERTIFICATE-----\s*(.*?)\s*-----END CERTIFICATE-----"
_ROLE = r"/Role=([^/]+)"

_NAMES = {
    "2.5.4.3": "CN", "2.5.4.5": "serialNumber", "2.5.4.6": "C", "2.5.4.7": "L",
    "2.5.4.8": "ST", "2.5.4.10": "O", "2.5.4.11": "OU",
    "0.9.2342.19200300.100.1.1": "UID", "0.9.2342.19200300.100.1.25": "DC",
    "1.2.840.113549.1.9.1": "emailAddress",
}
_SEQUENCE, _SET, _OID, _OCTETS = 0x30, 0x31, 0x06, 0x04
_UTCTIME, _GENTIME = 0x17, 0x18


class DERError(ValueError):
    """Bytes that are not the DER this module expects."""


class TLV:
    """One DER element: its (one-byte) tag and value octets."""

    __slots__ = ("tag", "data")

    def __init__(self, tag: int, data: bytes) -> None:
        self.tag, self.data = tag, data

    @property
    def constructed(self) -> bool:
        return bool(self.tag & 0x20)

    def children(self) -> list[TLV]:
        return list(iter_tlv(self.data))


def iter_tlv(data: bytes) -> Iterator[TLV]:
    """The TLVs one after the other in `data` (DER: definite lengths, one-byte tags)."""
    pos = 0
    while pos < len(data):
        if pos + 2 > len(data):
            raise DERError("truncated header")
        tag, first = data[pos], data[pos + 1]
        if tag & 0x1F == 0x1F:
            raise DERError("multi-byte tags are not used in certificates")
        pos += 2
        if first < 0x80:
            length = first
        else:
            count = first & 0x7F
            if count == 0 or count > 4 or pos + count > len(data):
                raise DERError("bad length")
            length = int.from_bytes(data[pos:pos + count], "big")
            pos += count
        if pos + length > len(data):
            raise DERError("value runs past its container")
        yield TLV(tag, data[pos:pos + length])
        pos += length


def one(data: bytes) -> TLV:
    items = list(iter_tlv(data))
    if len(items) != 1:
        raise DERError("expected exactly one element")
    return items[0]


def oid_text(data: bytes) -> str:
    if not data:
        raise DERError("empty OID")
    parts: list[int] = []
    value = 0
    for byte in data:
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            parts.append(value)
            value = 0
    first = min(parts[0] // 40, 2)
    return ".".join(str(p) for p in [first, parts[0] - 40 * first, *parts[1:]])


def der_time(item: TLV) -> float:
    """UTCTime or GeneralizedTime (Zulu, as RFC 5280 requires) as epoch seconds."""
    text = item.data.decode("ascii", "replace").rstrip("Z")
    if item.tag == _UTCTIME:
        year = int(text[:2])
        text = f"{1900 + year if year >= 50 else 2000 + year}{text[2:]}"
    elif item.tag != _GENTIME:
        raise DERError("not a time")
    text = text.split(".")[0]
    try:
        year, month, day, hour, minute = (
            int(text[i:j]) for i, j in ((0, 4), (4, 6), (6, 8), (8, 10), (10, 12)))
        second = int(text[12:14] or 0)
    except ValueError:
        raise DERError("bad time") from None
    return float(timegm(year, month, day, hour, minute, second))


def timegm(year: int, month: int, day: int, hour: int, minute: int, second: int) -> int:
    """calendar.timegm without importing calendar (and locale): days from the civil date."""
    year -= month <= 2
    era = year // 400
    year_of_era = year - era * 400
    day_of_year = (153 * (month + (-3 if month > 2 else 9)) + 2) // 5 + day - 1
    day_of_era = year_of_era * 365 + year_of_era // 4 - year_of_era // 100 + day_of_year
    days = era * 146097 + day_of_era - 719468
    return days * 86400 + hour * 3600 + minute * 60 + second


def _string(item: TLV) -> str:
    if item.tag == 0x1E:  # BMPString
        return item.data.decode("utf-16-be", "replace")
    if item.tag == 0x1C:  # UniversalString
        return item.data.decode("utf-32-be", "replace")
    return item.data.decode("utf-8", "replace")


def name_text(item: TLV) -> str:
    """An X.501 Name in OpenSSL's one-line form, as voms-proxy-info prints it."""
    parts = []
    for rdn in item.children():
        for pair in rdn.children():
            kind, value = pair.children()[:2]
            oid = oid_text(kind.data)
            parts.append(f"/{_NAMES.get(oid, oid)}={_string(value)}")
    return "".join(parts)


class Certificate:
    __slots__ = ("subject", "issuer", "not_after", "extensions")

    def __init__(self, subject: str, issuer: str, not_after: float,
                 extensions: dict[str, bytes]) -> None:
        self.subject, self.issuer, self.not_after = subject, issuer, not_after
        self.extensions = extensions  # OID -> extnValue octets


def parse_certificate(der: bytes) -> Certificate:
    cert = one(der)
    if cert.tag != _SEQUENCE:
        raise DERError("not a certificate")
    tbs = cert.children()[0].children()
    if tbs and tbs[0].tag == 0xA0:  # [0] version
        tbs = tbs[1:]
    if len(tbs) < 6:
        raise DERError("short TBSCertificate")
    issuer, validity, subject = tbs[2], tbs[3], tbs[4]
    times = validity.children()
    extensions: dict[str, bytes] = {}
    for item in tbs[6:]:
        if item.tag != 0xA3:  # [3] extensions (skipping [1]/[2] unique ids)
            continue
        for ext in one(item.data).children():
            parts = ext.children()
            if parts and parts[0].tag == _OID and parts[-1].tag == _OCTETS:
                extensions[oid_text(parts[0].data)] = parts[-1].data
    return Certificate(name_text(subject), name_text(issuer), der_time(times[1]), extensions)


class VomsData:
    """One VOMS attribute certificate: VO and server (from the policy authority
    `vo://host:port`), FQANs, and the end of its validity."""

    __slots__ = ("vo", "uri", "fqans", "not_after")

    def __init__(self, vo: str | None, uri: str | None, fqans: tuple[str, ...],
                 not_after: float | None) -> None:
        self.vo, self.uri, self.fqans, self.not_after = vo, uri, fqans, not_after


def _walk(item: TLV) -> Iterator[TLV]:
    yield item
    if item.constructed:
        for child in item.children():
            yield from _walk(child)


def parse_voms(extension: bytes) -> list[VomsData]:
    """The attribute certificates in a VOMS extension value (one per VO).

    Each AC's attributes hold an Attribute {OID 8005.100.100.4, SET {IetfAttrSyntax}};
    IetfAttrSyntax = SEQUENCE {[0] policyAuthority GeneralNames, SEQUENCE OF values}, the
    values being OCTET STRING FQANs (RFC 3281, VOMS AC format).
    """
    found: list[VomsData] = []
    for node in _walk(one(extension)):
        if node.tag != _SEQUENCE:
            continue
        kids = node.children()
        # One AttributeCertificateInfo: version INTEGER, ..., validity, attributes ...
        if len(kids) < 7 or kids[0].tag != 0x02:
            continue
        validity = next((k for k in kids if k.tag == _SEQUENCE and len(k.children()) == 2
                         and all(t.tag == _GENTIME for t in k.children())), None)
        vo = uri = None
        fqans: list[str] = []
        for attr in _walk(node):
            parts = attr.children() if attr.tag == _SEQUENCE else []
            if len(parts) != 2 or parts[0].tag != _OID or parts[1].tag != _SET:
                continue
            if oid_text(parts[0].data) != VOMS_FQAN_OID:
                continue
            for syntax in parts[1].children():
                for field_ in syntax.children():
                    if field_.tag == 0xA0:  # policyAuthority: GeneralName URI [6]
                        for general in field_.children():
                            if general.tag == 0x86:
                                authority = general.data.decode("ascii", "replace")
                                vo, _, uri = authority.partition("://")
                    elif field_.tag == _SEQUENCE:
                        fqans.extend(v.data.decode("utf-8", "replace")
                                     for v in field_.children() if v.tag == _OCTETS)
        if fqans:
            not_after = der_time(validity.children()[1]) if validity else None
            found.append(VomsData(vo or None, uri or None, tuple(fqans), not_after))
    return found


class Proxy:
    """A proxy file: its certificate's names and expiry, and its first VO's attributes."""

    __slots__ = ("path", "subject", "issuer", "not_after", "fqans", "vo", "uri", "ac_not_after")

    def __init__(self, path: str, subject: str, issuer: str, not_after: float,
                 fqans: tuple[str, ...], vo: str | None, uri: str | None,
                 ac_not_after: float | None) -> None:
        self.path, self.subject, self.not_after = path, subject, not_after
        self.issuer = issuer  # for a proxy: the identity it stands for
        self.fqans = fqans  # primary FQAN first
        self.vo, self.uri, self.ac_not_after = vo, uri, ac_not_after

    def seconds_left(self, now: float | None = None) -> int:
        return max(0, int(self.not_after - (time.time() if now is None else now)))


def read(path: str) -> tuple[Proxy | None, str | None]:
    """The proxy in a PEM file, or None and why not (it is not a regular file of at most
    PROXY_LIMIT bytes, or holds no certificate)."""
    try:
        text = userfiles.read_bytes(path, PROXY_LIMIT, "the proxy file")
    except userfiles.UserFileError as exc:
        return None, exc.reason
    import re

    match = re.search(_PEM_CERT, text, re.S)
    if not match:
        return None, "not a PEM certificate"
    try:
        cert = parse_certificate(binascii.a2b_base64(match.group(1)))
        voms = parse_voms(cert.extensions[VOMS_AC_OID]) if VOMS_AC_OID in cert.extensions else []
    except (DERError, IndexError, ValueError, binascii.Error):
        return None, "not a PEM certificate"
    first = voms[0] if voms else VomsData(None, None, (), None)
    return Proxy(path, cert.subject, cert.issuer, cert.not_after, first.fqans, first.vo,
                 first.uri, first.not_after), None


def load(path: str) -> Proxy | None:
    """The proxy in a PEM file; None when unreadable or not a certificate."""
    return read(path)[0]


def proxy_path(environ: Mapping[str, str]) -> str | None:
    """Where the legacy client took its proxy: $X509_USER_PROXY if that file exists, else
    /tmp/x509up_u<uid> if it exists."""
    named = environ.get("X509_USER_PROXY", "")
    if named and os.path.isfile(named):
        return named
    default = os.path.join(TMP, f"x509up_u{os.getuid()}")
    return default if os.path.isfile(default) else None


def find(environ: Mapping[str, str]) -> Proxy | None:
    path = proxy_path(environ)
    return load(path) if path else None


def role_of(fqan: str) -> str | None:
    """`Role=X` of an FQAN; None for NULL or no role."""
    import re

    match = re.search(_ROLE, fqan)
    if not match or match.group(1).upper() == "NULL":
        return None
    return match.group(1)


def production_experiment(path: str) -> str | None:
    """`gm2` for /opt/gm2pro/gm2pro.Production.proxy (a managed production proxy)."""
    if not path:
        return None
    import re

    match = re.match(PRODUCTION_PROXY, os.path.normpath(path))
    return match.group(1) if match else None


def _left(seconds: float) -> str:
    if seconds <= 0:
        return "expired"
    return f"{int(seconds) // 3600}:{int(seconds) % 3600 // 60:02d}:{int(seconds) % 60:02d} left"


def describe(environ: Mapping[str, str], now: float | None = None) -> list[tuple[str, str]]:
    """Doctor lines about the X.509 proxy (no key material is ever shown)."""
    now = time.time() if now is None else now
    path = proxy_path(environ)
    named = environ.get("X509_USER_PROXY", "")
    lines: list[tuple[str, str]] = []
    if named:
        lines.append(("X509_USER_PROXY", named if os.path.isfile(named)
                      else f"{named} (no such file)"))
    if path is None:
        lines.append(("proxy", f"none ({os.path.join(TMP, f'x509up_u{os.getuid()}')} absent); "
                      "jobsub_lite uses tokens"))
        return lines
    proxy, problem = read(path)
    if proxy is None:
        lines.append(("proxy", f"{path} ({problem})"))
        return lines
    expiry = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(proxy.not_after))
    lines.append(("proxy", path))
    lines.append(("proxy identity", proxy.issuer))
    lines.append(("proxy expiry", f"{expiry} ({_left(proxy.not_after - now)})"))
    if proxy.fqans:
        lines.append(("proxy VO", f"{proxy.vo or '?'} ({proxy.uri or 'no server'})"))
        lines.append(("proxy FQANs", ", ".join(proxy.fqans)))
        role = role_of(proxy.fqans[0])
        lines.append(("proxy role", role or "none (Role=NULL)"))
    else:
        lines.append(("proxy FQANs", "none (no VOMS extension)"))
    experiment = production_experiment(path)
    if experiment:
        lines.append(("proxy kind", f"managed production proxy of {experiment}pro: move to "
                      "managed tokens"))
    return lines
