//! What a file really is, from its first bytes (magic numbers), and which types an extension
//! names. Only types Herald accepts are recognised; anything else is refused, so a file
//! labelled `image/png` that holds HTML or a script never reaches a storefront.

/// The types Herald stores, with the extensions that name them.
pub const KNOWN_TYPES: &[(&str, &[&str])] = &[
    ("image/png", &["png"]),
    ("image/jpeg", &["jpg", "jpeg", "jpe", "jfif"]),
    ("image/gif", &["gif"]),
    ("image/webp", &["webp"]),
    ("image/avif", &["avif"]),
    ("application/pdf", &["pdf"]),
    ("video/mp4", &["mp4", "m4v"]),
    ("video/webm", &["webm"]),
];

/// Bytes of the start of a file needed to recognise it.
pub const SNIFF_BYTES: usize = 32;

/// The type the bytes are, if Herald knows it.
pub fn sniff(head: &[u8]) -> Option<&'static str> {
    let starts = |magic: &[u8]| head.starts_with(magic);
    if starts(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if starts(b"\xff\xd8\xff") {
        Some("image/jpeg")
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some("image/gif")
    } else if starts(b"RIFF") && head.get(8..12) == Some(b"WEBP") {
        Some("image/webp")
    } else if starts(b"%PDF-") {
        Some("application/pdf")
    } else if starts(b"\x1a\x45\xdf\xa3") {
        Some("video/webm")
    } else if head.get(4..8) == Some(b"ftyp") {
        match head.get(8..12) {
            Some(b"avif" | b"avis") => Some("image/avif"),
            Some(
                b"isom" | b"iso2" | b"iso3" | b"iso4" | b"iso5" | b"iso6" | b"mp41" | b"mp42"
                | b"avc1" | b"M4V " | b"MSNV" | b"dash",
            ) => Some("video/mp4"),
            _ => None,
        }
    } else {
        None
    }
}

/// The known type an extension names (`photo.JPG` → `image/jpeg`).
pub fn type_of_extension(filename: &str) -> Option<&'static str> {
    let (_, ext) = filename.rsplit_once('.')?;
    let ext = ext.to_ascii_lowercase();
    KNOWN_TYPES
        .iter()
        .find(|(_, exts)| exts.contains(&ext.as_str()))
        .map(|(mime, _)| *mime)
}

/// A declared media type without parameters, lowercased (`Image/PNG; x=y` → `image/png`);
/// `image/jpg` and `image/pjpeg` count as `image/jpeg`.
pub fn normalise_declared(declared: &str) -> String {
    let base = declared
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match base.as_str() {
        "image/jpg" | "image/pjpeg" => "image/jpeg".to_owned(),
        _ => base,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_magic_numbers() {
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR"), Some("image/png"));
        assert_eq!(sniff(b"\xff\xd8\xff\xe0\0\x10JFIF"), Some("image/jpeg"));
        assert_eq!(sniff(b"GIF89a\x01\0"), Some("image/gif"));
        assert_eq!(sniff(b"RIFF\x24\0\0\0WEBPVP8 "), Some("image/webp"));
        assert_eq!(sniff(b"\0\0\0\x1cftypavif\0\0\0\0"), Some("image/avif"));
        assert_eq!(sniff(b"\0\0\0\x18ftypmp42\0\0\0\0"), Some("video/mp4"));
        assert_eq!(sniff(b"\0\0\0\x20ftypiso5\0\0\x02\0"), Some("video/mp4"));
        assert_eq!(
            sniff(b"\0\0\0\x14ftypqt  \0\0\0\0"),
            None,
            "QuickTime is not MP4"
        );
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(b"<!doctype html><script>"), None);
        assert_eq!(sniff(b"<svg xmlns="), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn extensions_and_declared_types() {
        assert_eq!(type_of_extension("Hero.JPG"), Some("image/jpeg"));
        assert_eq!(type_of_extension("report.pdf"), Some("application/pdf"));
        assert_eq!(type_of_extension("noext"), None);
        assert_eq!(type_of_extension("page.html"), None);
        assert_eq!(
            normalise_declared("Image/JPG; charset=binary"),
            "image/jpeg"
        );
    }
}
