"""The Open Badges 3.0 credential, checked as an employer's software would:
against the schema, and with a JOSE library that shares no code with the
signer (PyJWT, where Koza signs with joserfc)."""

import base64
import gzip
import hashlib
import io
import json
from pathlib import Path
from urllib.parse import urlsplit

import jsonschema
import jwt
import pytest
from django.core.management import call_command
from django.urls import reverse

from completion.models import Certificate
from completion.rules import Metrics
from completion.services import certificate_revoke, certification_compute

SCHEMA = json.loads(
    (
        Path(__file__).resolve().parents[1]
        / "schema"
        / "ob_v3p0_achievementcredential_schema.json"
    ).read_text()
)


@pytest.fixture
def certificate(course, tiers, learner):
    learner.display_name = "山田 花子"
    learner.save()
    enrollment = learner.enrollments.get(course=course)
    certification_compute(
        course=course,
        metrics={enrollment.pk: Metrics(homework_points=20, summaries_submitted=5)},
        dry_run=False,
    )
    return Certificate.objects.get(enrollment=enrollment)


def _token(client, certificate) -> str:
    response = client.get(reverse("certificate_credential", args=[certificate.code]))
    assert response.status_code == 200
    envelope = response.json()
    assert envelope["type"] == "EnvelopedVerifiableCredential"
    prefix = "data:application/vc+jwt,"
    assert envelope["id"].startswith(prefix)
    return envelope["id"].removeprefix(prefix)


def _verify(client, token: str) -> dict:
    """Resolve the key id through the issuer's DID document, as a verifier
    would, and check the signature with PyJWT."""
    header = jwt.get_unverified_header(token)
    did = header["kid"].partition("#")[0]
    document = client.get("/.well-known/did.json").json()
    assert document["id"] == did
    method = next(m for m in document["verificationMethod"] if m["id"] == header["kid"])
    assert method["id"] in document["assertionMethod"]
    key = jwt.PyJWK(method["publicKeyJwk"], algorithm="EdDSA")
    return jwt.decode(
        token, key=key, algorithms=["EdDSA"], options={"verify_aud": False}
    )


def test_the_credential_is_a_valid_open_badges_3_credential(client, certificate):
    credential = _verify(client, _token(client, certificate))

    jsonschema.Draft201909Validator(
        SCHEMA, format_checker=jsonschema.Draft201909Validator.FORMAT_CHECKER
    ).validate(credential)
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert credential["issuer"]["id"].startswith("did:web:")
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["criteria"]["narrative"]
    assert "Large Language Models" in achievement["name"]
    assert "山田 花子" in credential["description"]


def test_the_schema_refuses_a_credential_missing_what_ob3_requires(client, certificate):
    credential = _verify(client, _token(client, certificate))
    del credential["credentialSubject"]["identifier"]
    validator = jsonschema.Draft201909Validator(SCHEMA)

    assert not validator.is_valid(credential)


def test_the_learner_is_identified_by_a_salted_hash_of_their_email(
    client, certificate, learner
):
    token = _token(client, certificate)
    credential = _verify(client, token)

    (identity,) = credential["credentialSubject"]["identifier"]
    expected = hashlib.sha256((learner.email + identity["salt"]).encode()).hexdigest()
    assert identity["identityHash"] == f"sha256${expected}"
    assert identity["hashed"] is True and identity["identityType"] == "emailAddress"
    payload = base64.urlsafe_b64decode(token.split(".")[1] + "==").decode()
    assert learner.email not in payload


@pytest.mark.parametrize("part", [1, 2])
def test_a_changed_byte_fails_verification(client, certificate, part):
    token = _token(client, certificate)
    pieces = token.split(".")
    piece = bytearray(base64.urlsafe_b64decode(pieces[part] + "=="))
    piece[len(piece) // 2] ^= 0x01
    pieces[part] = base64.urlsafe_b64encode(bytes(piece)).decode().rstrip("=")

    with pytest.raises(jwt.InvalidSignatureError):
        _verify(client, ".".join(pieces))


def _status_bit(client, credential) -> int:
    status = credential["credentialStatus"]
    assert status["type"] == "BitstringStatusListEntry"
    response = client.get(urlsplit(status["statusListCredential"]).path)
    assert response["Content-Type"] == "application/vc+jwt"
    status_list = _verify(client, response.content.decode())
    assert "BitstringStatusListCredential" in status_list["type"]
    encoded = status_list["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=="))
    assert len(bits) * 8 >= 131072
    index = int(status["statusListIndex"])
    return (bits[index // 8] >> (7 - index % 8)) & 1


def test_revocation_flips_the_status_list_bit(client, certificate):
    credential = _verify(client, _token(client, certificate))
    assert _status_bit(client, credential) == 0

    certificate_revoke(certificate=certificate, reason="")

    assert _status_bit(client, credential) == 1


def test_a_key_rotation_keeps_old_credentials_verifiable(
    client, certificate, course, tiers, enrollments
):
    old_token = _token(client, certificate)

    call_command("credential_key_rotate", stdout=io.StringIO())
    (other,) = enrollments(1)
    later = Certificate.objects.create(
        enrollment=other, course=course, number=2, serial="LLM-2", tier=tiers[0]
    )
    new_token = _token(client, later)

    assert _token(client, certificate) == old_token  # signed once, kept
    assert jwt.get_unverified_header(old_token)["kid"].endswith("#key-1")
    assert jwt.get_unverified_header(new_token)["kid"].endswith("#key-2")
    assert _verify(client, old_token)["id"].endswith(f"{certificate.code}/")
    assert _verify(client, new_token)


def test_the_signing_keys_live_outside_the_database(
    client, certificate, credential_keys
):
    _token(client, certificate)

    key_file = credential_keys / "key-1.pem"
    assert key_file.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert "PRIVATE" not in json.dumps(client.get("/.well-known/did.json").json())


def test_the_compact_credential_is_served_too(client, certificate):
    response = client.get(
        reverse("certificate_credential_jwt", args=[certificate.code])
    )

    assert response["Content-Type"] == "application/vc+jwt"
    assert response.content.decode() == _token(client, certificate)


def test_a_correction_marks_the_superseded_credential_in_the_status_list(
    client, certificate, learner, staff
):
    from completion.services import (
        certificate_correction_approve,
        certificate_correction_request,
    )

    credential = _verify(client, _token(client, certificate))
    assert _status_bit(client, credential) == 0  # and now it is cached
    correction = certificate_correction_request(
        certificate=certificate, name="山田 華子", name_latin="", message="", by=learner
    )
    new = certificate_correction_approve(correction=correction, by=staff)

    assert _status_bit(client, credential) == 1
    assert _status_bit(client, _verify(client, _token(client, new))) == 0


@pytest.fixture
def open_badges_verifier(client, settings):
    """openbadgeslib's Open Badges 3.0 verifier (another project's code),
    resolving Koza's did:web and status list through this test's client."""
    from openbadgeslib.ob3.verifier import OB3Verifier

    settings.SITE_URL = "https://koza.example"

    def download(url: str) -> bytes:
        parts = urlsplit(url)
        assert parts.scheme == "https" and parts.netloc == "koza.example"
        response = client.get(parts.path)
        assert response.status_code == 200, url
        return response.content

    def verify(token: str, **options):
        verifier = OB3Verifier.for_issuer_did("did:web:koza.example", download=download)
        return verifier.verify(token, check_status=True, download=download, **options)

    return verify


def test_an_open_badges_verifier_accepts_the_credential_and_then_its_revocation(
    client, certificate, open_badges_verifier
):
    from openbadgeslib.ob3.verifier import OB3VerificationError

    token = _token(client, certificate)

    credential = open_badges_verifier(token, verify_status_list=True)
    certificate_revoke(certificate=certificate, reason="")

    assert credential.issuer.id == "did:web:koza.example"
    with pytest.raises(OB3VerificationError, match="revocation"):
        open_badges_verifier(token, verify_status_list=True)


def test_an_open_badges_verifier_picks_the_rotated_key_by_its_id(
    client, certificate, course, tiers, enrollments, open_badges_verifier
):
    old_token = _token(client, certificate)
    call_command("credential_key_rotate", stdout=io.StringIO())
    (other,) = enrollments(1)
    later = Certificate.objects.create(
        enrollment=other, course=course, number=2, serial="LLM-2", tier=tiers[0]
    )

    # The status list is signed with the newest key; openbadgeslib checks a
    # list with the first key of the DID document, so only the bit is read.
    assert open_badges_verifier(old_token, verify_status_list=False)
    assert open_badges_verifier(_token(client, later), verify_status_list=False)
