"""proxies: X.509 proxy files with a real VOMS attribute-certificate extension, made here
with cryptography (the AC DER is built by hand, as a VOMS server lays it out)."""

from __future__ import annotations

import calendar
import datetime
import functools
import time
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from jobsub_compat import proxies

UTC = datetime.timezone.utc
EEC = "/DC=org/DC=cilogon/C=US/O=Fermi National Accelerator Laboratory/OU=People/CN=Alice " \
      "Liddell/CN=UID:alice"


# -- DER, as a VOMS server writes its attribute certificate ------------------------------


def der(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        head = bytes([size])
    else:
        raw = size.to_bytes((size.bit_length() + 7) // 8, "big")
        head = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + head + content


def der_oid(dotted: str) -> bytes:
    first, second, *rest = (int(p) for p in dotted.split("."))
    body = bytearray()
    for value in (40 * first + second, *rest):
        chunk = [value & 0x7F]
        value >>= 7
        while value:
            chunk.append(0x80 | (value & 0x7F))
            value >>= 7
        body.extend(reversed(chunk))
    return der(0x06, bytes(body))


def seq(*items: bytes) -> bytes:
    return der(0x30, b"".join(items))


def gentime(when: float) -> bytes:
    return der(0x18, time.strftime("%Y%m%d%H%M%SZ", time.gmtime(when)).encode())


def der_name(pairs: list[tuple[str, str]]) -> bytes:
    oids = {"DC": "0.9.2342.19200300.100.1.25", "C": "2.5.4.6", "O": "2.5.4.10",
            "OU": "2.5.4.11", "CN": "2.5.4.3"}
    return seq(*(der(0x31, seq(der_oid(oids[k]), der(0x0C, v.encode()))) for k, v in pairs))


def voms_extension(fqans: list[str], vo: str = "fermilab",
                   uri: str = "voms1.fnal.gov:15001", not_after: float | None = None) -> bytes:
    """The extnValue of 1.3.6.1.4.1.8005.100.100.5: SEQUENCE { SEQUENCE OF AC }."""
    now = time.time()
    not_after = now + 12 * 3600 if not_after is None else not_after
    server = der_name([("DC", "org"), ("DC", "opensciencegrid"), ("O", "Open Science Grid"),
                       ("OU", "Services"), ("CN", "voms1.fnal.gov")])
    holder = der(0xA0, seq(der(0xA4, der_name([("CN", "Alice")])))
                 + der(0x02, b"\x01\x23"))
    issuer = der(0xA0, seq(der(0xA4, server)))
    sigalg = seq(der_oid("1.2.840.113549.1.1.11"), der(0x05, b""))
    ietf = seq(der(0xA0, der(0x86, f"{vo}://{uri}".encode())),
               seq(*(der(0x04, f.encode()) for f in fqans)))
    attribute = seq(der_oid(proxies.VOMS_FQAN_OID), der(0x31, ietf))
    no_rev_avail = seq(der_oid("2.5.29.56"), der(0x04, der(0x05, b"")))
    acinfo = seq(der(0x02, b"\x01"), holder, issuer, sigalg, der(0x02, b"\x5a\x17"),
                 seq(gentime(now - 60), gentime(not_after)), seq(attribute),
                 seq(no_rev_avail))
    ac = seq(acinfo, sigalg, der(0x03, b"\x00" + bytes(64)))
    return seq(seq(ac))


@functools.cache
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def make_proxy(path: Path, fqans: list[str] | None = None, hours: float = 12,
               vo: str = "fermilab", voms: bool = True) -> Path:
    """A proxy file as voms-proxy-init writes it: proxy cert, key, then the user cert."""
    now = datetime.datetime.now(UTC)
    user = x509.Name([
        x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "org"),
        x509.NameAttribute(NameOID.DOMAIN_COMPONENT, "cilogon"),
        x509.NameAttribute(NameOID.COUNTRY_NAME, "US"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Fermi National Accelerator Laboratory"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "People"),
        x509.NameAttribute(NameOID.COMMON_NAME, "Alice Liddell"),
        x509.NameAttribute(NameOID.COMMON_NAME, "UID:alice"),
    ])
    subject = x509.Name([*user, x509.NameAttribute(NameOID.COMMON_NAME, "1234567")])
    not_after = now + datetime.timedelta(hours=hours)
    builder = (x509.CertificateBuilder().subject_name(subject).issuer_name(user)
               .public_key(key().public_key()).serial_number(1234567)
               .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(not_after))
    if voms:
        value = voms_extension(fqans if fqans is not None
                               else ["/fermilab/gm2/Role=Production/Capability=NULL",
                                     "/fermilab/gm2/Role=NULL/Capability=NULL",
                                     "/fermilab/Role=NULL/Capability=NULL"], vo=vo,
                               not_after=not_after.timestamp())
        builder = builder.add_extension(x509.UnrecognizedExtension(
            x509.ObjectIdentifier(proxies.VOMS_AC_OID), value), critical=False)
    cert = builder.sign(key(), hashes.SHA256())
    user_cert = (x509.CertificateBuilder().subject_name(user).issuer_name(user)
                 .public_key(key().public_key()).serial_number(7)
                 .not_valid_before(now - datetime.timedelta(days=1))
                 .not_valid_after(now + datetime.timedelta(days=7))
                 .sign(key(), hashes.SHA256()))
    pem = (cert.public_bytes(serialization.Encoding.PEM)
           + key().private_bytes(serialization.Encoding.PEM,
                                 serialization.PrivateFormat.TraditionalOpenSSL,
                                 serialization.NoEncryption())
           + user_cert.public_bytes(serialization.Encoding.PEM))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


@pytest.fixture
def tmp_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """proxies.TMP moved into the test's directory (no real /tmp/x509up_u<uid>)."""
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    monkeypatch.setattr(proxies, "TMP", str(tmp))
    return tmp


# -- tests ----------------------------------------------------------------------------


@pytest.mark.parametrize("when", [
    pytest.param((1970, 1, 1, 0, 0, 0), id="epoch"),
    pytest.param((2000, 2, 29, 12, 30, 5), id="leap-day"),
    pytest.param((2024, 12, 31, 23, 59, 59), id="year-end"),
    pytest.param((2049, 3, 1, 0, 0, 0), id="after-february"),
    pytest.param((1999, 1, 15, 8, 0, 0), id="january"),
])
def test_timegm_matches_calendar(when: tuple[int, int, int, int, int, int]) -> None:
    assert proxies.timegm(*when) == calendar.timegm((*when, 0, 0, 0))


def test_der_times() -> None:
    assert proxies.der_time(proxies.TLV(0x17, b"491231235959Z")) == \
        calendar.timegm((2049, 12, 31, 23, 59, 59, 0, 0, 0))
    assert proxies.der_time(proxies.TLV(0x17, b"500101000000Z")) == \
        calendar.timegm((1950, 1, 1, 0, 0, 0, 0, 0, 0))
    assert proxies.der_time(proxies.TLV(0x18, b"20260301120000.5Z")) == \
        calendar.timegm((2026, 3, 1, 12, 0, 0, 0, 0, 0))


def test_oid_text_round_trip() -> None:
    for dotted in (proxies.VOMS_AC_OID, proxies.VOMS_FQAN_OID, "2.5.4.3", "2.999.3"):
        assert proxies.oid_text(der_oid(dotted)[2:]) == dotted


def test_load_reads_voms_fqans_and_expiry(tmp_path: Path) -> None:
    path = make_proxy(tmp_path / "x509up_u1", hours=12)
    proxy = proxies.load(str(path))
    assert proxy is not None
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    assert proxy.not_after == pytest.approx(cert.not_valid_after_utc.timestamp(), abs=1)
    assert proxy.fqans == ("/fermilab/gm2/Role=Production/Capability=NULL",
                           "/fermilab/gm2/Role=NULL/Capability=NULL",
                           "/fermilab/Role=NULL/Capability=NULL")
    assert (proxy.vo, proxy.uri) == ("fermilab", "voms1.fnal.gov:15001")
    assert proxy.ac_not_after == pytest.approx(proxy.not_after, abs=1)
    assert proxy.issuer == EEC
    assert proxy.subject == EEC + "/CN=1234567"
    assert proxy.seconds_left(now=proxy.not_after - 3600) == 3600  # on a fixed clock
    assert proxy.seconds_left(now=proxy.not_after + 1) == 0


def test_extension_as_cryptography_sees_it(tmp_path: Path) -> None:
    """The fixture really carries the VOMS extension under its OID (cross-check)."""
    path = make_proxy(tmp_path / "p", fqans=["/dune/Role=Production/Capability=NULL"],
                      vo="dune")
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    ext = cert.extensions.get_extension_for_oid(x509.ObjectIdentifier(proxies.VOMS_AC_OID))
    assert isinstance(ext.value, x509.UnrecognizedExtension)
    data = proxies.parse_voms(ext.value.value)
    assert [(d.vo, d.fqans) for d in data] == [("dune", ("/dune/Role=Production/Capability=NULL",))]


@pytest.mark.parametrize(("fqan", "role"), [
    pytest.param("/fermilab/gm2/Role=Production/Capability=NULL", "Production", id="production"),
    pytest.param("/fermilab/gm2/Role=Analysis/Capability=NULL", "Analysis", id="analysis"),
    pytest.param("/fermilab/gm2/Role=NULL/Capability=NULL", None, id="null"),
    pytest.param("/fermilab/gm2", None, id="no-role"),
    pytest.param("/des/Role=DESGW", "DESGW", id="case-kept"),
])
def test_role_of(fqan: str, role: str | None) -> None:
    assert proxies.role_of(fqan) == role


@pytest.mark.parametrize("content", [
    pytest.param(b"", id="empty"),
    pytest.param(b"eyJhbGciOiJSUzI1NiJ9.e30.c2ln\n", id="a-token"),
    pytest.param(b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                 id="bad-der"),
    pytest.param(b"-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n",
                 id="bad-base64"),
])
def test_load_rejects_non_proxies(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "file"
    path.write_bytes(content)
    assert proxies.load(str(path)) is None
    assert proxies.load(str(tmp_path / "missing")) is None


def test_der_reader_errors() -> None:
    with pytest.raises(proxies.DERError):
        list(proxies.iter_tlv(b"\x30\x05\x01"))  # runs past its end
    with pytest.raises(proxies.DERError):
        list(proxies.iter_tlv(b"\x30\x85\x00\x00\x00\x00\x01"))  # five length bytes
    long_form = der(0x04, bytes(300))
    assert proxies.one(long_form).data == bytes(300)


@pytest.mark.parametrize(("path", "experiment"), [
    pytest.param("/opt/gm2pro/gm2pro.Production.proxy", "gm2", id="gm2"),
    pytest.param("/opt/duneprod/dune.Production.proxy", None, id="other-shape"),
    pytest.param("/opt/novapro//novapro.Production.proxy", "nova", id="normalised"),
    pytest.param("", None, id="empty"),
])
def test_production_experiment(path: str, experiment: str | None) -> None:
    assert proxies.production_experiment(path) == experiment


def test_describe(tmp_path: Path, tmp_dir: Path) -> None:
    assert proxies.describe({})[0][0] == "proxy"
    path = make_proxy(tmp_path / "p")
    lines = dict(proxies.describe({"X509_USER_PROXY": str(path)}))
    assert lines["proxy"] == str(path)
    assert lines["proxy role"] == "Production"
    assert lines["proxy VO"].startswith("fermilab")
    assert "left" in lines["proxy expiry"]
    assert lines["proxy identity"] == EEC
    text = " ".join(v for _, v in proxies.describe({"X509_USER_PROXY": str(path)}))
    assert "PRIVATE KEY" not in text and "BEGIN" not in text
