"""The report's page furniture: fonts, headings, paragraphs, Markdown and tables, on fpdf2."""

import functools
from pathlib import Path

import matplotlib
from fpdf import FPDF, FontFace, TextStyle

from investigations.report.markdown import markdown_html

FONTS = Path(matplotlib.get_data_path()) / "fonts" / "ttf"  # DejaVu: Unicode, ships with matplotlib
FACES = {
    "": "DejaVuSans.ttf",
    "B": "DejaVuSans-Bold.ttf",
    "I": "DejaVuSans-Oblique.ttf",
    "BI": "DejaVuSans-BoldOblique.ttf",
}
MONO = "DejaVuSansMono.ttf"
DIGEST_SHOWN = 12  # hex digits of a hash in the body; the appendix has them whole

# write_html's defaults are Times and Courier (Latin-1 only) and red 24 pt headings: a note in Cyrillic or
# with a `# heading` would fail or shout. Sizes here sit below the report's own 12 pt section headings.
_MARKDOWN_STYLES = {
    **{
        f"h{level}": TextStyle(font_family="body", font_style="B", font_size_pt=size, t_margin=2, b_margin=1)
        for level, size in zip(range(1, 7), (11, 10, 9.5, 9, 9, 9), strict=True)
    },
    "code": FontFace(family="mono"),
    "pre": TextStyle(font_family="mono", t_margin=1, b_margin=1),
    "blockquote": TextStyle(color="#52606d", l_margin=6, t_margin=1, b_margin=1),
    "li": TextStyle(l_margin=5, t_margin=0.5),
    "ul": TextStyle(t_margin=0.5),
    "ol": TextStyle(t_margin=0.5),
}


@functools.cache
def _drawable() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # fpdf2's own dependency

    return frozenset(TTFont(FONTS / FACES[""]).getBestCmap())


def printable(text: str) -> str:
    """A character the font has no glyph for (CJK, emoji) would vanish from the page without a trace; it
    prints as its code point instead, so the report never silently drops what a note or a title said."""
    drawable = _drawable()
    return "".join(c if ord(c) in drawable or c in "\n\t" else f"[U+{ord(c):04X}]" for c in text)


def short(digest: str) -> str:
    """A hash as the body shows it: enough to find it in the appendix."""
    return f"{digest[:DIGEST_SHOWN]}…" if len(digest) > DIGEST_SHOWN else digest


class Document(FPDF):
    def __init__(self, title: str):
        super().__init__()
        for style, name in FACES.items():
            self.add_font("body", style, str(FONTS / name))
        self.add_font("mono", "", str(FONTS / MONO))
        self.title_text = printable(title)
        self.set_title(title)
        self.set_auto_page_break(auto=True, margin=15)

    def footer(self):
        self.set_y(-12)
        self.set_font("body", size=7)
        self.cell(0, 8, f"{self.title_text} · page {self.page_no()}", align="C")

    def heading(self, text: str):
        self.ln(3)
        self.set_font("body", "B", 12)
        self.cell(0, 8, printable(text), new_x="LMARGIN", new_y="NEXT")
        self.set_font("body", size=9)

    def keep(self, height: float):
        """A new page unless `height` mm fit on this one: a table's lead-in stays with the table."""
        if self.get_y() + height > self.page_break_trigger:
            self.add_page()

    def paragraph(self, text: str, size: float = 9):
        self.set_font("body", size=size)
        self.multi_cell(0, 5, printable(text), new_x="LMARGIN", new_y="NEXT")

    def markdown(self, text: str, size: float = 9):
        """User text (a summary, a note) rendered: bold, italics, lists, headings, code; its tags as text."""
        self.set_font("body", size=size)
        self.write_html(markdown_html(printable(text)), font_family="body", tag_styles=_MARKDOWN_STYLES)
        self.set_x(self.l_margin)

    def rows(self, header: list[str], rows: list[list], widths: tuple[int, ...] | None = None, size: float = 7):
        self.set_font("body", size=size)
        with self.table(col_widths=widths, text_align="LEFT", line_height=size * 0.55) as table:
            table.row(header)
            for row in rows:
                table.row([printable(str(cell)) for cell in row])
        self.set_font("body", size=9)

    def mono(self, text: str, size: float = 6):
        """Hashes in the appendix: a fixed-width face, so a reader can compare them digit by digit."""
        self.set_font("mono", size=size)
        self.multi_cell(0, size * 0.45, text, align="L", new_x="LMARGIN", new_y="NEXT")
        self.set_font("body", size=9)
