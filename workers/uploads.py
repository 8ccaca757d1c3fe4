"""Uploaded document files are accepted by what they contain, not by their name or declared type."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
SIGNATURES = {
    b"%PDF-": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def inspect_upload(file) -> str:
    """Return the file's real content type, or refuse it (not PDF/JPEG/PNG, or over 10 MB)."""
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError({"file": _("The file is larger than 10 MB.")})
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    for signature, content_type in SIGNATURES.items():
        if head.startswith(signature):
            return content_type
    raise ValidationError({"file": _("Only PDF, JPEG or PNG files are accepted.")})


def document_file_response(document):
    """The document's file as an attachment (404 without one). Callers check who may see it."""
    from django.http import FileResponse, Http404

    if not document.file:
        raise Http404
    return FileResponse(document.file.open("rb"), content_type=document.file_type, as_attachment=True,
                        filename=f"{document.kind}-{document.public_id}")
