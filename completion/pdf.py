"""The certificate as a one-page A4 landscape PDF, in the learner's language.

Everything printed comes from the certificate's record frozen at issue. The
IPAex fonts (vendored in completion/fonts, IPA Font License) are embedded as
subsets, so the PDF looks the same in every viewer and its text can be
copied; the QR code (segno) points at the public verification page. A
revoked or superseded certificate is stamped across the page.
"""

import io
from pathlib import Path

import segno
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from completion.models import Certificate

FONTS = Path(__file__).resolve().parent / "fonts"
SERIF = "IPAexMincho"
SANS = "IPAexGothic"
ACCENT = HexColor("#1f5f8b")
STAMP = HexColor("#b3261e")
pdfmetrics.registerFont(TTFont(SERIF, FONTS / "ipaexm.ttf"))
pdfmetrics.registerFont(TTFont(SANS, FONTS / "ipaexg.ttf"))


def _draw_qr(pdf: canvas.Canvas, url: str, x: float, y: float, size: float) -> None:
    """The QR code as one filled path: a few hundred modules drawn as shapes
    one by one tripled the time of a whole certificate."""
    matrix = list(segno.make(url, error="m").matrix_iter(border=2))
    cell = size / len(matrix)
    path = pdf.beginPath()
    for row_index, row in enumerate(matrix):
        top = y + size - (row_index + 1) * cell
        for col_index, dark in enumerate(row):
            if dark:
                path.rect(x + col_index * cell, top, cell, cell)
    pdf.setFillColor(HexColor("#000000"))
    pdf.drawPath(path, stroke=0, fill=1)


def _draw_stamp(pdf: canvas.Canvas, certificate: Certificate, width, height) -> None:
    if certificate.revoked_at is not None:
        title = _("REVOKED")
        when = certificate.revoked_at
    else:
        title = _("SUPERSEDED")
        when = certificate.superseded_at
    note = _("on %(date)s — see the verification page") % {
        "date": formats.date_format(when.date(), "DATE_FORMAT")
    }
    pdf.saveState()
    pdf.translate(width / 2, height / 2)
    pdf.rotate(20)
    pdf.setFillColor(STAMP)
    pdf.setStrokeColor(STAMP)
    pdf.setLineWidth(4)
    pdf.rect(-300, -60, 600, 130)
    pdf.setFont(SANS, 64)
    pdf.drawCentredString(0, -5, title)
    pdf.setFont(SANS, 16)
    pdf.drawCentredString(0, -45, note)
    pdf.restoreState()


def certificate_pdf(certificate: Certificate, *, language: str) -> bytes:
    """Only the frozen record is read: never the live user or course."""
    verify_url = settings.SITE_URL + certificate.get_absolute_url()
    issuer = certificate.issuer_name
    width, height = landscape(A4)
    buffer = io.BytesIO()
    # The initial font is one of ours, or ReportLab references (unembedded)
    # Helvetica before the first setFont.
    pdf = canvas.Canvas(
        buffer,
        pagesize=(width, height),
        pageCompression=1,
        initialFontName=SANS,
        lang=language,
    )
    with translation.override(language):
        pdf.setTitle(_("Certificate of completion"))
        pdf.setAuthor(issuer)
        pdf.setStrokeColor(ACCENT)
        pdf.setLineWidth(6)
        pdf.rect(24, 24, width - 48, height - 48)
        pdf.setLineWidth(1)
        pdf.rect(36, 36, width - 72, height - 72)

        pdf.setFillColor(ACCENT)
        pdf.setFont(SERIF, 40)
        pdf.drawCentredString(width / 2, height - 130, _("Certificate of completion"))
        pdf.setFillColor(HexColor("#1d232b"))
        pdf.setFont(SERIF, 34)
        pdf.drawCentredString(width / 2, height - 215, certificate.name_in(language))
        pdf.setFont(SANS, 15)
        pdf.drawCentredString(
            width / 2,
            height - 265,
            _("has completed the course"),
        )
        pdf.setFont(SERIF, 22)
        pdf.drawCentredString(width / 2, height - 305, certificate.course_title)
        pdf.setFont(SANS, 14)
        line = " · ".join(
            part
            for part in [certificate.course_term, certificate.tier_name_in(language)]
            if part
        )
        pdf.drawCentredString(width / 2, height - 335, line)

        pdf.setFont(SANS, 11)
        issued = formats.date_format(certificate.issued_at.date(), "DATE_FORMAT")
        details = [
            _("Issued on: %(date)s") % {"date": issued},
            _("Serial number: %(serial)s") % {"serial": certificate.serial},
            _("Issuer: %(issuer)s") % {"issuer": issuer},
            _("Verify at: %(url)s") % {"url": verify_url},
        ]
        for index, text in enumerate(details):
            pdf.drawString(70, 150 - index * 18, text)
        _draw_qr(pdf, verify_url, width - 190, 70, 110)
        if not certificate.is_valid:
            _draw_stamp(pdf, certificate, width, height)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
