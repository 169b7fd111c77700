"""The certificate as a one-page A4 landscape PDF, in the learner's language.

ReportLab's built-in Japanese CID fonts need no font files; the QR code
(segno) points at the public verification page.
"""

import io

import segno
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext as _
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from completion.models import Certificate

SERIF = "HeiseiMin-W3"
SANS = "HeiseiKakuGo-W5"
ACCENT = HexColor("#1f5f8b")
pdfmetrics.registerFont(UnicodeCIDFont(SERIF))
pdfmetrics.registerFont(UnicodeCIDFont(SANS))


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


def certificate_pdf(certificate: Certificate, *, language: str) -> bytes:
    enrollment = certificate.enrollment
    course = certificate.course
    user = enrollment.user
    verify_url = settings.SITE_URL + certificate.get_absolute_url()
    series = getattr(course, "certificate_series", None)
    issuer = (series.issuer if series else "") or course.title
    width, height = landscape(A4)
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height), pageCompression=1)
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
        pdf.drawCentredString(width / 2, height - 215, user.get_full_name())
        pdf.setFont(SANS, 15)
        pdf.drawCentredString(
            width / 2,
            height - 265,
            _("has completed the course"),
        )
        pdf.setFont(SERIF, 22)
        pdf.drawCentredString(width / 2, height - 305, course.title)
        pdf.setFont(SANS, 14)
        line = " · ".join(
            part for part in [course.term, certificate.tier.name_in(language)] if part
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
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
