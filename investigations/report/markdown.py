"""Notes and summaries are Markdown (the case page renders them with react-markdown); the report prints them
the same way. They are user input: raw HTML in them is shown as text, never obeyed, and images are not
fetched (an `![x](file:///…)` would otherwise make the PDF writer read a local file or a URL)."""

from markdown_it import MarkdownIt

# CommonMark, as react-markdown reads it; `html: False` escapes any tag a note holds.
_PARSER = MarkdownIt("commonmark", {"html": False}).disable("image")


def markdown_html(text: str) -> str:
    """The HTML fpdf2's write_html draws: the tags CommonMark makes (p, strong, em, code, pre, ul, ol, li,
    h1-h6, blockquote, a, hr), and nothing the writer of the note typed as a tag."""
    return _PARSER.render(text or "")
