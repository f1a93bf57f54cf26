//! Markdown to sanitized HTML: pulldown-cmark renders, ammonia keeps only an allowlist.

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Options, Parser, html};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .url_schemes(HashSet::from(["http", "https", "mailto", "tel"]))
        .link_rel(Some("noopener noreferrer"))
        .add_tags(["input"])
        .add_tag_attributes("input", ["type", "checked", "disabled"]);
    builder
});

/// Renders Markdown (with tables, strikethrough, task lists and footnotes) to HTML that is
/// safe to insert in a page: no scripts, styles, frames, event handlers, or `javascript:`,
/// `vbscript:` and `data:` URLs; links get `rel="noopener noreferrer"`.
pub fn markdown_to_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    SANITIZER.clean(&unsafe_html).to_string()
}

#[cfg(test)]
mod tests {
    use super::markdown_to_html;

    #[test]
    fn renders_common_markdown() {
        assert_eq!(
            markdown_to_html("**Up to 50%**"),
            "<p><strong>Up to 50%</strong></p>\n"
        );
        let html = markdown_to_html(
            "# Sale\n\n- [x] done\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n[shop](https://shop.example/x)",
        );
        for part in [
            "<h1>Sale</h1>",
            "<table>",
            "<td>1</td>",
            "href=\"https://shop.example/x\"",
            "rel=\"noopener noreferrer\"",
            "checked",
        ] {
            assert!(html.contains(part), "{part} in {html}");
        }
    }

    #[test]
    fn removes_everything_dangerous() {
        let hostile = [
            ("<script>alert(1)</script>", "alert(1)"),
            ("<img src=x onerror=alert(1)>", "onerror"),
            ("[x](javascript:alert(1))", "javascript"),
            ("[x](JaVaScRiPt:alert(1))", "JaVaScRiPt"),
            ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
            ("<a href=\"vbscript:msgbox(1)\">x</a>", "vbscript"),
            ("<iframe src=\"https://evil.example\"></iframe>", "iframe"),
            ("<style>body{display:none}</style>", "display:none"),
            ("<a href=\"javascript&#58;alert(1)\">x</a>", "alert"),
            ("<svg onload=alert(1)></svg>", "onload"),
            (
                "<form action=\"https://evil.example\"><input name=p></form>",
                "form",
            ),
            ("<div style=\"position:fixed\">x</div>", "position"),
        ];
        for (markdown, forbidden) in hostile {
            let html = markdown_to_html(markdown);
            assert!(!html.contains(forbidden), "{markdown:?} gave {html:?}");
        }
    }
}
