//! The text that `?q=` searches: every text, long text and Markdown value of an entry, with its
//! slug, lowercased, so one `LIKE` on one column serves both databases.

use herald_model::{ContentType, Field, FieldKind};
use serde_json::{Map, Value};

/// Longest search text kept per entry, in bytes: enough for any realistic entry's words.
const MAX_SEARCH_TEXT: usize = 64 * 1024;

pub(crate) fn search_text(
    content_type: &ContentType,
    slug: &str,
    fields: &Map<String, Value>,
) -> String {
    let mut text = String::with_capacity(256);
    text.push_str(slug);
    collect(&content_type.fields, fields, &mut text);
    if text.len() > MAX_SEARCH_TEXT {
        let mut cut = MAX_SEARCH_TEXT;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
    }
    text.to_lowercase()
}

fn collect(fields: &[Field], values: &Map<String, Value>, text: &mut String) {
    for field in fields {
        if let Some(value) = values.get(&field.name) {
            collect_value(&field.spec.kind, value, text);
        }
    }
}

fn collect_value(kind: &FieldKind, value: &Value, text: &mut String) {
    match (kind, value) {
        (
            FieldKind::Text(_) | FieldKind::LongText(_) | FieldKind::Markdown(_),
            Value::String(s),
        ) => {
            text.push('\n');
            text.push_str(s);
        }
        (FieldKind::List(list), Value::Array(items)) => {
            for item in items {
                collect_value(&list.of.kind, item, text);
            }
        }
        (FieldKind::Object(object), Value::Object(map)) => collect(&object.fields, map, text),
        _ => {}
    }
}

/// `q` as a `LIKE` pattern: lowercased, with `%`, `_` and `\` escaped (escape character `\`).
pub(crate) fn like_pattern(q: &str) -> String {
    let mut pattern = String::with_capacity(q.len() + 2);
    pattern.push('%');
    for c in q.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_wildcards() {
        assert_eq!(like_pattern("50%_Off\\"), "%50\\%\\_off\\\\%");
    }
}
