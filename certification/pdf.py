"""The certificate as a printable PDF (fpdf2: pure Python, maintained, no system libraries)."""

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from certification.models import Certificate


def _latin1(text: str) -> str:
    # The PDF core fonts speak Latin-1, which covers Spanish and English; anything else is replaced.
    return text.encode("latin-1", "replace").decode("latin-1")


def certificate_pdf(certificate: Certificate, *, language: str = "es") -> bytes:
    with translation.override(language):
        pdf = FPDF(orientation="landscape", format="letter")
        pdf.set_compression(False)  # a few KB more, and the code stays findable in the file
        pdf.set_title(_latin1(str(_("Certificate"))))
        pdf.add_page()
        pdf.set_font("Helvetica", "B", 28)
        pdf.cell(0, 24, _latin1(str(_("Certificate"))), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 16)
        pdf.cell(0, 12, _latin1(str(_("This certifies that"))), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 24)
        pdf.cell(0, 16, _latin1(certificate.worker.full_name), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 16)
        pdf.cell(0, 12, _latin1(str(_("completed the qualification"))), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "B", 18)
        pdf.cell(0, 14, _latin1(certificate.scheme.name), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 13)
        validity = _("Issued on %(issued)s by %(issuer)s; valid until %(expires)s.") % {
            "issued": certificate.issued_on.isoformat(), "issuer": certificate.scheme.issuer,
            "expires": certificate.expires_on.isoformat(),
        }
        pdf.cell(0, 12, _latin1(validity), align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(10)
        pdf.set_font("Courier", "B", 18)
        pdf.cell(0, 12, _latin1(str(_("Verification code: %(code)s") % {"code": certificate.verification_code})),
                 align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Helvetica", "", 11)
        pdf.cell(0, 10, _latin1(str(_("Anyone can check this certificate at /verify/ with its code."))), align="C")
        return bytes(pdf.output())


def certificate_pdf_response(certificate: Certificate):
    """The certificate PDF, in the request's language, as a download named after its code."""
    from django.http import HttpResponse

    response = HttpResponse(certificate_pdf(certificate, language=translation.get_language() or "es"),
                            content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.verification_code}.pdf"'
    return response
