"""Every certificate as an Open Badges 3.0 credential (OpenBadgeCredential,
W3C VC 2.0 data model), secured as a VC-JWT signed with Ed25519 (EdDSA).

Why VC-JWT and not a Data Integrity proof: a JWS is checked by any JOSE
library (the tests verify it with PyJWT, which shares no code with the
joserfc signer), whereas eddsa-rdfc-2022 needs JSON-LD canonicalisation with
every context available offline, slower and easy to get subtly wrong.

The issuer is `did:web:<host of SITE_URL>`; its DID document
(/.well-known/did.json) publishes every signing key Koza ever used, so a
credential signed before a key rotation still verifies. Keys are Ed25519
PEM files under CREDENTIAL_KEY_DIR (default PRIVATE_MEDIA_ROOT/credential-keys),
outside the database and its dumps: `key-1.pem` is created on first use,
`manage.py credential_key_rotate` adds the next, and the newest signs.

Revocation is a Bitstring Status List: bit `certificate.pk` of one list,
set when the certificate is revoked or superseded by a correction.
"""

import base64
import gzip
import json
import os
import re
import warnings
from datetime import UTC
from pathlib import Path
from urllib.parse import quote, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from joserfc import jws
from joserfc.jwk import OKPKey

from completion.models import Certificate

OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_SCHEMA = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/"
    "ob_v3p0_achievementcredential_schema.json"
)
ALGORITHM = "EdDSA"
# The Bitstring Status List spec's minimum length (16 KB), for herd privacy.
STATUS_LIST_MIN_BITS = 131072
_KEY_NAME = re.compile(r"^key-(\d+)\.pem$")


# Keys ------------------------------------------------------------------------


def key_dir() -> Path:
    return Path(
        settings.CREDENTIAL_KEY_DIR or settings.PRIVATE_MEDIA_ROOT / "credential-keys"
    )


def _key_files() -> list[tuple[int, Path]]:
    directory = key_dir()
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = _KEY_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def _write_key(number: int) -> bool:
    """Create key-<number>.pem unless it exists (O_EXCL: two processes using
    the first key at once end up with one key, not two)."""
    directory = key_dir()
    directory.mkdir(parents=True, exist_ok=True)
    pem = OKPKey.generate_key("Ed25519").as_pem(private=True)
    try:
        fd = os.open(
            directory / f"key-{number}.pem", os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600
        )
    except FileExistsError:
        return False
    with os.fdopen(fd, "wb") as file:
        file.write(pem)
    return True


def signing_keys() -> list[tuple[str, OKPKey]]:
    """(key id, key) of every key, oldest first; the last one signs. The
    first is generated here on first use."""
    files = _key_files()
    if not files:
        _write_key(1)
        files = _key_files()
    return [
        (f"key-{number}", OKPKey.import_key(path.read_bytes()))
        for number, path in files
    ]


def key_rotate() -> str:
    """Add a new signing key; the old ones stay published. Returns its id."""
    files = _key_files()
    number = (files[-1][0] if files else 0) + 1
    while not _write_key(number):
        number += 1
    return f"key-{number}"


# Identifiers -----------------------------------------------------------------


def issuer_did() -> str:
    """did:web of the site: the host (and port, percent-encoded) of SITE_URL."""
    host = urlsplit(settings.SITE_URL).netloc
    return "did:web:" + quote(host, safe="")


def did_document() -> dict:
    did = issuer_did()
    methods = [
        {
            "id": f"{did}#{key_id}",
            "type": "JsonWebKey",
            "controller": did,
            "publicKeyJwk": key.as_dict(private=False) | {"kid": key_id},
        }
        for key_id, key in signing_keys()
    ]
    ids = [method["id"] for method in methods]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/jwk/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }


def absolute_url(name: str, *args) -> str:
    return settings.SITE_URL + reverse(name, args=args)


def _iso(moment) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# The credential ---------------------------------------------------------------


def issuer_profile(certificate: Certificate) -> dict:
    return {
        "id": issuer_did(),
        "type": ["Profile"],
        "name": certificate.issuer_name,
        "url": settings.SITE_URL + "/",
    }


def credential_for(certificate: Certificate) -> dict:
    """The OpenBadgeCredential, from the certificate's frozen record only."""
    course_url = absolute_url("course_detail", certificate.course.slug)
    holder = certificate.holder_name
    if certificate.holder_name_latin:
        holder = f"{holder} ({certificate.holder_name_latin})"
    term = f" ({certificate.course_term})" if certificate.course_term else ""
    achievement_name = f"{certificate.course_title}: {certificate.tier_name_en}"
    subject = {
        "type": ["AchievementSubject"],
        "identifier": [
            {
                "type": "IdentityObject",
                "identityHash": certificate.recipient_hash,
                "identityType": "emailAddress",
                "hashed": True,
                "salt": certificate.recipient_salt,
            }
        ],
        "achievement": {
            "id": f"{course_url}#achievement-{certificate.tier.rank}",
            "type": ["Achievement"],
            "achievementType": "CertificateOfCompletion",
            "name": achievement_name,
            "description": (
                f"{certificate.tier_name_en} ({certificate.tier_name_ja}) in the "
                f"course {certificate.course_title}{term}."
            ),
            "criteria": {"narrative": certificate.criteria or achievement_name},
            "creator": issuer_profile(certificate),
        },
    }
    if certificate.course_term:
        subject["term"] = certificate.course_term
    return {
        "@context": [VC_CONTEXT, OB_CONTEXT],
        "id": absolute_url("certificate_verify", certificate.code),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Certificate of completion: {achievement_name}",
        "description": (
            f"Awarded to {holder} for {certificate.tier_name_en.lower()} in "
            f"{certificate.course_title}{term}. Serial number {certificate.serial}."
        ),
        "issuer": issuer_profile(certificate),
        "validFrom": _iso(certificate.issued_at),
        "credentialSubject": subject,
        "credentialStatus": {
            "id": f"{absolute_url('certificate_status_list')}#{certificate.pk}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(certificate.pk),
            "statusListCredential": absolute_url("certificate_status_list"),
        },
        "credentialSchema": [
            {"id": OB_SCHEMA, "type": "1EdTechJsonSchemaValidator2019"}
        ],
    }


def sign(payload: dict) -> str:
    """A compact JWS (VC-JOSE-COSE: the payload is the credential itself)
    signed with the newest key."""
    key_id, key = signing_keys()[-1]
    header = {
        "alg": ALGORITHM,
        "typ": "vc+jwt",
        "cty": "vc",
        "kid": f"{issuer_did()}#{key_id}",
    }
    body = json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    with warnings.catch_warnings():
        # joserfc prefers RFC 9864's "Ed25519"; "EdDSA" is what VC and Open
        # Badges verifiers (and PyJWT) understand today.
        warnings.simplefilter("ignore")
        return jws.serialize_compact(header, body, key, algorithms=[ALGORITHM])


def jwt_claims(credential: dict, moment) -> dict:
    """OB 3.0's VC-JWT: the payload is the credential itself, plus the
    registered claims it requires (iss = the issuer, jti = the credential id,
    nbf = when it becomes valid)."""
    issuer = credential["issuer"]
    return credential | {
        "iss": issuer["id"] if isinstance(issuer, dict) else issuer,
        "jti": credential["id"],
        "nbf": int(moment.timestamp()),
    }


def credential_jwt(certificate: Certificate) -> str:
    """The signed credential: signed once, on first request, and kept, so it
    stays byte-identical (and keeps its key id across key rotations)."""
    if not certificate.credential_jwt:
        token = sign(jwt_claims(credential_for(certificate), certificate.issued_at))
        Certificate.objects.filter(pk=certificate.pk, credential_jwt="").update(
            credential_jwt=token
        )
        certificate.credential_jwt = (
            Certificate.objects.values_list("credential_jwt", flat=True).get(
                pk=certificate.pk
            )
            or token
        )
    return certificate.credential_jwt


def enveloped(token: str) -> dict:
    """The JSON form of a JOSE-secured credential (VC 2.0 §4.13)."""
    return {
        "@context": VC_CONTEXT,
        "id": "data:application/vc+jwt," + token,
        "type": "EnvelopedVerifiableCredential",
    }


# Status list ----------------------------------------------------------------


def status_bits() -> bytes:
    """Bit i (most significant bit of byte 0 is bit 0) set when certificate
    pk=i is revoked or superseded."""
    invalid = list(
        Certificate.objects.exclude(revoked_at__isnull=True, superseded_at__isnull=True)
        .order_by()
        .values_list("pk", flat=True)
    )
    last = Certificate.objects.order_by("-pk").values_list("pk", flat=True).first()
    size = max(STATUS_LIST_MIN_BITS, ((last or 0) // 8 + 1) * 8)
    bits = bytearray(size // 8)
    for index in invalid:
        bits[index // 8] |= 0x80 >> (index % 8)
    return bytes(bits)


def encode_list(bits: bytes) -> str:
    """Multibase base64url (prefix "u", no padding) of the GZIP'd bits."""
    packed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(packed).decode().rstrip("=")


STATUS_LIST_CACHE_KEY = "certificate-status-list:v1"


def status_list_token() -> str:
    """The signed status list, cached until a certificate is revoked or
    superseded (services drop it then)."""
    token = cache.get(STATUS_LIST_CACHE_KEY)
    if token is None:
        token = sign(jwt_claims(status_list_credential(), timezone.now()))
        cache.set(STATUS_LIST_CACHE_KEY, token, timeout=60 * 60)
    return token


def status_list_changed() -> None:
    cache.delete(STATUS_LIST_CACHE_KEY)


def status_list_credential() -> dict:
    url = absolute_url("certificate_status_list")
    return {
        "@context": [VC_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did(),
        "validFrom": _iso(timezone.now()),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encode_list(status_bits()),
        },
    }
