"""The case PDF as a reader sees it, checked on its pages by text extraction (pypdf): Markdown rendered (bold
in a bold face, no literal `**`) and a note's tags printed as text; the sections (graph, exposure, trace);
digests abbreviated in the body and whole in the appendix; and, made again when the case closes, its final
status. Under SCREENSHOTS_DIR (`make screenshots`), page 1 is kept as docs/screenshots/report.png."""

import io
import os
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from graphml.wording import phrase
from investigations.models import AuditEvent, Report
from investigations.report.final import reports_finalise
from investigations.services import (
    approval_decide,
    approval_request,
    case_create,
    case_transition,
    evidence_file_acquire,
    evidence_snapshot_acquire,
    note_add,
    report_file,
    subject_add,
)
from investigations.signals import report_exposure_wanted
from investigations.tagging import tag_add
from tests.investigations.test_exploration import addr, flows  # noqa: F401 - a hand-built chain

pytestmark = pytest.mark.django_db

SUMMARY = "Funds from A reach **deposits** at D through B.\n\n- first hop: __B__\n- second hop: D"
BOLD = "DejaVuSansBold"  # the face fpdf2 embeds for **bold**
NOTE = "**Paid** 60 BTC to D. <b>not bold</b> <img src=file:///etc/passwd> ![map](file:///etc/passwd) 资金"


@pytest.fixture
def case(people, flows, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path / "media"
    tag_add(user=people["ana"], address=addr("X"), label="Ransom wallet", abuse="ransomware", visibility="public")
    tag_add(user=people["ana"], address=addr("E"), label="Some exchange", category="exchange", visibility="public")
    case = case_create(user=people["ana"], title="Ransom payouts via B", summary=SUMMARY)
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("B"))
    subject_add(user=people["ana"], case_id=case.id, kind="address", ref=addr("D"))
    note_add(user=people["ana"], case_id=case.id, body=NOTE)
    evidence_file_acquire(user=people["ana"], case_id=case.id, name="reply.txt", chunks=[b"yes, D is ours"])
    return case


def exported(case, people) -> bytes:
    approval = approval_request(user=people["ana"], case_id=case.id, action="export")
    approval_decide(user=people["sue"], approval_id=approval.id, approve=True)
    report = Report.objects.get(approval=approval)
    return report_file(user=people["ana"], case_id=case.id, report_id=report.id, fmt="pdf")[0]


def pages(pdf: bytes) -> list[str]:
    return [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def fonts_of(pdf: bytes, word: str) -> set[str]:
    """The fonts `word` is drawn in, on any page."""
    found = set()

    def visit(text, cm, tm, font, size):
        if word in text and font is not None:
            found.add(str(font["/BaseFont"]).split("+")[-1])

    for page in PdfReader(io.BytesIO(pdf)).pages:
        page.extract_text(visitor_text=visit)
    return found


def test_markdown_is_rendered_and_a_notes_tags_print_as_text(case, people):
    pdf = exported(case, people)
    text = " ".join(pages(pdf))
    assert "**" not in text
    assert "__" not in text
    assert "Funds from A reach deposits at D through B." in text
    assert fonts_of(pdf, "deposits") == {BOLD}
    assert fonts_of(pdf, "Paid") == {BOLD}
    assert "first hop:" in text
    assert "second hop: D" in text
    assert "<b>not bold</b>" in text, "a tag in a note is text, not markup"
    assert BOLD not in fonts_of(pdf, "not bold")
    assert "<img src=file:///etc/passwd>" in text
    assert "![map](file:///etc/passwd)" in text, "an image in a note is not fetched"
    assert len(PdfReader(io.BytesIO(pdf)).pages[0].images) == 1, "the graph is the one image"
    assert "[U+8D44][U+91D1]" in text, "what the font cannot draw prints as code points, not as nothing"


def test_the_pdf_has_graph_exposure_and_trace_sections(case, people):
    text = " ".join(pages(exported(case, people)))
    for section in ("Summary", "Subjects", "Why the model scored them so", "Graph", "Exposure", "Where the funds went",
                    "Notes", "Evidence", "History (audit log)", "Appendix: digests and inclusion proofs"):  # fmt: skip
        assert section in text, section
    exposure = text[text.index("Exposure") : text.index("Where the funds went")]
    assert "ransomware" in exposure, "D received from X, tagged ransomware"
    trace = text[text.index("Where the funds went") : text.index("Notes")]
    assert f"From {addr('B')}" in trace
    assert addr("D") in trace.replace(" ", ""), "B's funds reached D"
    assert "Some exchange (exchange)" in trace, "and E, tagged an exchange"


def test_digests_are_short_in_the_body_and_whole_in_the_appendix(case, people):
    body, *appendix = pages(exported(case, people))[:-1], pages(exported(case, people))[-1]
    events = AuditEvent.objects.filter(target=f"case:{case.id}").order_by("seq")
    leaf = events.first().leaf_hash
    sha = case.evidence.get().sha256
    body_text, appendix_text = " ".join(body), " ".join(appendix).replace(" ", "")
    assert leaf[:12] in body_text
    assert leaf not in body_text.replace(" ", "")
    assert sha not in body_text.replace(" ", "")
    assert leaf in appendix_text
    assert sha in appendix_text


def test_the_appendix_of_proofs_is_one_page_for_a_small_case(case, people):
    pdf = exported(case, people)
    appendix = [i for i, page in enumerate(pages(pdf)) if "Appendix: digests" in page]
    assert appendix == [len(pages(pdf)) - 1], "proofs only at the end, on one page"


def test_a_report_exported_before_the_close_is_made_again_closed(case, people, django_capture_on_commit_callbacks):
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    before = exported(case, people)
    assert "status confirmed" in pages(before)[0]
    report = Report.objects.get()
    close = approval_request(user=people["ana"], case_id=case.id, action="close")
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(user=people["sam"], approval_id=close.id, approve=True)
    report.refresh_from_db()
    assert report.status == "ready"
    after, _ = report_file(user=people["ana"], case_id=case.id, report_id=report.id, fmt="pdf")
    first = pages(after)[0]
    assert "status closed" in first
    assert "outcome confirmed" in first
    assert "after it closed" in first
    assert AuditEvent.objects.filter(action="report.export").count() == 2, "each version's hashes are audited"
    assert AuditEvent.objects.filter(action="report.finalise").count() == 1
    assert reports_finalise(case_id=case.id) == [], "made once: a second call changes nothing"
    assert report_file(user=people["ana"], case_id=case.id, report_id=report.id, fmt="pdf")[0] == after


def test_a_case_closed_while_its_report_is_made_is_reported_closed(case, people):
    """The close lands while the PDF is being built (here: while its exposure section is asked for)."""
    for step in ("in_progress", "dismissed"):
        case_transition(user=people["ana"], case_id=case.id, to=step)
    closed = []

    def close_meanwhile(sender, **kwargs):
        if not closed:
            closed.append(case_transition(user=people["sam"], case_id=case.id, to="closed"))

    report_exposure_wanted.connect(close_meanwhile, dispatch_uid="test.close_meanwhile")
    try:
        first = pages(exported(case, people))[0]
    finally:
        report_exposure_wanted.disconnect(dispatch_uid="test.close_meanwhile")
    assert closed, "the case closed during the build"
    assert "status closed" in first


def test_page_one_renders_and_is_kept_as_the_docs_screenshot(
    case,
    people,
    flows,  # noqa: F811
    django_capture_on_commit_callbacks,
):
    """Rendered by PDFium (pypdfium2), as a PDF reader would: page 1 is not blank. The case has a view saved
    from the explorer (B and X pay D and E in tx2), scored as a model would, so the figure shows its colours;
    it is confirmed, exported and closed, so the page is the final report's."""
    _, _, tx2 = flows
    spots = [
        ("B", 0, 0, 0.82, "from A"),
        ("X", 0, 160, 0.97, "ransom"),
        ("D", 420, -40, 0.64, ""),
        ("E", 420, 200, 0.08, ""),
    ]
    nodes = [
        {
            "id": f"a:{addr(n)}",
            "kind": "address",
            "ref": addr(n),
            "risk": risk,
            "note": note,
            "position": {"x": x, "y": y},
            "cluster": "cl_b_and_x" if n in "BX" else None,  # they spend together in tx2: one owner
        }
        for n, x, y, risk, note in spots
    ]
    nodes.append({"id": f"t:{tx2}", "kind": "transaction", "ref": tx2, "risk": None, "position": {"x": 210, "y": 80}})
    edges = [{"source": f"a:{addr(n)}", "target": f"t:{tx2}", "value": v} for n, v in (("B", 30e8), ("X", 50e8))]
    edges += [{"source": f"t:{tx2}", "target": f"a:{addr(n)}", "value": v} for n, v in (("D", 60e8), ("E", 19e8))]
    evidence_snapshot_acquire(
        user=people["ana"],
        case_id=case.id,
        name="tx2 from B",
        snapshot={"start": addr("B"), "nodes": nodes, "edges": edges},
    )
    case_transition(user=people["ana"], case_id=case.id, to="in_progress")
    case_transition(user=people["ana"], case_id=case.id, to="confirmed")
    exported(case, people)
    close = approval_request(user=people["ana"], case_id=case.id, action="close")
    with django_capture_on_commit_callbacks(execute=True):
        approval_decide(user=people["sam"], approval_id=close.id, approve=True)
    final, _ = report_file(user=people["ana"], case_id=case.id, report_id=Report.objects.get().id, fmt="pdf")
    assert "status closed" in pages(final)[0]
    document = pypdfium2.PdfDocument(final)
    image = document[0].render(scale=1.5).to_pil()
    dark = image.convert("L").point(lambda value: 255 if value < 128 else 0).histogram()[255]
    assert dark > 0.01 * image.width * image.height, "page 1 has text and a figure"
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        image.save(Path(folder) / "report.png")


def test_a_subjects_reasons_print_in_the_words_the_pages_use(case, people):
    subject = case.subjects.get(ref=addr("B"))
    subject.snapshot = {**(subject.snapshot or {}), "reasons": ["log_n_tx", "coinjoin_share"]}
    subject.save()
    text = " ".join(pages(exported(case, people)))
    reasons = text[text.index("Why the model scored them so") : text.index("Graph")]
    assert phrase("log_n_tx") in reasons
    assert phrase("coinjoin_share") in reasons
    assert "log_n_tx" not in reasons
