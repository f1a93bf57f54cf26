//! File names made safe for a bucket key and a URL: no folders, no `..`, no control
//! characters, ASCII letters, digits, `-`, `_` and one `.` before the extension, at most 100
//! characters. `Été 2026 / <Hero>.JPG` becomes `ete-2026-hero.jpg`.

/// Longest sanitized name, in characters.
pub const MAX_FILENAME_CHARS: usize = 100;

/// The safe form of a client's file name; `file` (with the extension, if any) when nothing is
/// left.
pub fn sanitize_filename(raw: &str) -> String {
    // Only the last path component counts, whichever separator the client used.
    let base = raw.rsplit(['/', '\\']).next().unwrap_or("");
    let base: String = base.chars().filter(|c| !c.is_control()).collect();
    let ascii = deunicode::deunicode(&base);
    let (stem, ext) = match ascii.rsplit_once('.') {
        Some((stem, ext)) if !ext.is_empty() && ext.len() <= 10 => (stem.to_owned(), Some(ext)),
        _ => (ascii.clone(), None),
    };
    let clean = |text: &str| {
        let mut out = String::with_capacity(text.len());
        for c in text.chars() {
            let c = c.to_ascii_lowercase();
            if c.is_ascii_alphanumeric() || c == '_' {
                out.push(c);
            } else if !out.ends_with('-') {
                out.push('-');
            }
        }
        out.trim_matches('-').to_owned()
    };
    let ext = ext.map(clean).filter(|e| !e.is_empty());
    let mut stem = clean(&stem);
    if stem.is_empty() {
        stem = "file".to_owned();
    }
    let room = MAX_FILENAME_CHARS - ext.as_ref().map_or(0, |e| e.len() + 1);
    stem.truncate(room);
    let stem = stem.trim_end_matches('-');
    match ext {
        Some(ext) => format!("{stem}.{ext}"),
        None => stem.to_owned(),
    }
}

/// `name` with an extension that names `content_type` (the sniffed type): kept when it
/// already does (`photo.jpeg` for a JPEG), else replaced or added (`x.html` holding a PNG
/// becomes `x.png`). A public file's name then never makes a web server or a browser take it
/// for something else, such as HTML or a script.
pub fn with_extension_for(name: &str, content_type: &str) -> String {
    if crate::sniff::type_of_extension(name) == Some(content_type) {
        return name.to_owned();
    }
    let Some(ext) = crate::sniff::KNOWN_TYPES
        .iter()
        .find(|(mime, _)| *mime == content_type)
        .and_then(|(_, exts)| exts.first())
    else {
        return name.to_owned();
    };
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let mut stem = stem.to_owned();
    stem.truncate(MAX_FILENAME_CHARS - ext.len() - 1);
    format!("{stem}.{ext}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_extension_follows_the_content() {
        assert_eq!(with_extension_for("photo.jpeg", "image/jpeg"), "photo.jpeg");
        assert_eq!(with_extension_for("x.html", "image/png"), "x.png");
        assert_eq!(with_extension_for("x.svg", "image/png"), "x.png");
        assert_eq!(with_extension_for("file", "application/pdf"), "file.pdf");
        assert_eq!(with_extension_for("clip.mov", "video/mp4"), "clip.mp4");
        let long = format!("{}.js", "y".repeat(97));
        let safe = with_extension_for(&long, "image/gif");
        assert_eq!(safe.len(), MAX_FILENAME_CHARS);
        assert!(safe.ends_with(".gif"));
    }

    #[test]
    fn removes_everything_dangerous() {
        let cases = [
            ("hero.jpg", "hero.jpg"),
            ("Été 2026 / <Hero>.JPG", "hero.jpg"),
            ("Été 2026 <Hero>.JPG", "ete-2026-hero.jpg"),
            ("../../etc/passwd", "passwd"),
            ("..\\..\\windows\\win.ini", "win.ini"),
            ("..", "file"),
            (".htaccess", "file.htaccess"),
            ("a\u{0}b\nc.png", "abc.png"),
            ("", "file"),
            ("....png", "file.png"),
            ("spaces   and  tabs\t.webp", "spaces-and-tabs.webp"),
        ];
        for (raw, safe) in cases {
            assert_eq!(sanitize_filename(raw), safe, "{raw:?}");
        }
        let long = format!("{}.png", "x".repeat(500));
        let safe = sanitize_filename(&long);
        assert_eq!(safe.len(), MAX_FILENAME_CHARS);
        assert!(safe.ends_with(".png"));
    }
}
