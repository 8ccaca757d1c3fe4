"""The contract document: its terms as a bilingual PDF (Spanish, then English) that staff and the
employer download (fpdf2, as the certificates: pure Python, maintained, no system libraries).

fpdf2 draws text as text: a name with HTML in it prints as those characters, and nothing in
the document is ever fetched (no URL fetcher to restrict, unlike an HTML renderer). The terms are
one template of translatable paragraphs, filled in each language from the contract."""

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF

from contracts.models import Contract

LANGUAGES = ("es", "en")


def _latin1(text: str) -> str:
    # The PDF core fonts speak Latin-1, which covers Spanish and English; anything else is replaced.
    return str(text).encode("latin-1", "replace").decode("latin-1")


def _terms(contract: Contract) -> list[tuple[str, str]]:
    """(heading, text) pairs of the contract, in the active language: the template."""
    request = contract.request
    worksite = request.worksite
    occupation = request.occupation
    values = {
        "worker": contract.worker.full_name, "employer": request.employer.legal_name,
        "worksite": f"{worksite.name}, {worksite.address}, {worksite.city}",
        "region": worksite.get_region_display(),
        "occupation": occupation.name_es if translation.get_language() == "es" else occupation.name_en,
        "start": contract.start_date.isoformat(), "end": contract.end_date.isoformat(),
        "wage": f"{contract.wage_amount} {contract.wage_currency}", "hours": contract.hours_per_week,
        "program": contract.program.name, "number": request.number, "contract": str(contract.public_id),
    }
    return [
        (_("Parties"), _("This contract is made between %(employer)s (the employer) and %(worker)s (the worker), "
                         "under the %(program)s program, request %(number)s.") % values),
        (_("Work"), _("The worker will work as %(occupation)s at %(worksite)s (%(region)s).") % values),
        (_("Term"), _("From %(start)s until %(end)s, unless it ends earlier as the program's rules allow.") % values),
        (_("Wage and hours"), _("%(wage)s per hour, for about %(hours)s hours per week, paid at least every two "
                                "weeks, with a statement of hours and deductions.") % values),
        (_("Return"), _("The worker returns to Mexico at the end of the contract and reports to the consulate or "
                        "the home office, which confirms the return.") % values),
        (_("Reference"), _("Contract %(contract)s.") % values),
    ]


def contract_pdf(contract: Contract) -> bytes:
    """The contract's terms in Spanish and then in English, in one PDF."""
    pdf = FPDF(format="letter")
    pdf.set_compression(False)  # a few KB more, and the text stays searchable
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_title(_latin1(f"{contract.request.number} - {contract.worker.full_name}"))
    for language in LANGUAGES:
        with translation.override(language):
            pdf.add_page()
            pdf.set_font("Helvetica", "B", 18)
            pdf.multi_cell(0, 10, _latin1(_("Seasonal work contract")), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("Helvetica", "", 10)
            pdf.multi_cell(0, 6, _latin1(_("Language of this version: %(language)s") % {
                "language": translation.get_language_info(language)["name_local"]}), new_x="LMARGIN", new_y="NEXT")
            pdf.ln(4)
            for heading, text in _terms(contract):
                pdf.set_font("Helvetica", "B", 12)
                pdf.multi_cell(0, 7, _latin1(heading), new_x="LMARGIN", new_y="NEXT")
                pdf.set_font("Helvetica", "", 11)
                pdf.multi_cell(0, 6, _latin1(text), new_x="LMARGIN", new_y="NEXT")
                pdf.ln(2)
            pdf.ln(10)
            pdf.set_font("Helvetica", "", 11)
            for signer in (_("Signature of the worker"), _("Signature of the employer")):
                pdf.multi_cell(0, 8, _latin1(f"{signer}: ________________________________"),
                               new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def contract_pdf_response(contract: Contract):
    from django.http import HttpResponse

    response = HttpResponse(contract_pdf(contract), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="contract-{contract.public_id}.pdf"'
    return response
