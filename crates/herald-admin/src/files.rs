//! The embedded static files and their media types.

/// One embedded file under `/admin/static/`.
#[derive(Debug, Clone, Copy)]
pub struct StaticFile {
    /// The path below `/admin/static/`.
    pub path: &'static str,
    pub content_type: &'static str,
    pub body: &'static str,
}

impl StaticFile {
    /// A strong validator: the FNV-1a hash of the body.
    pub fn etag(&self) -> String {
        let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
        for byte in self.body.bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
        format!("{hash:016x}")
    }
}

/// The app shell served at `/admin/`.
pub(crate) const INDEX_HTML: &str = include_str!("../static/index.html");

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";
const SVG: &str = "image/svg+xml";

macro_rules! files {
    ($($path:literal => $type:expr),* $(,)?) => {
        /// Every file under `/admin/static/`.
        pub const STATIC_FILES: &[StaticFile] = &[
            $(StaticFile { path: $path, content_type: $type, body: include_str!(concat!("../static/", $path)) },)*
        ];
    };
}

files! {
    "admin.css" => CSS,
    "favicon.svg" => SVG,
    "app.js" => JS,
    "api.js" => JS,
    "dom.js" => JS,
    "router.js" => JS,
    "session.js" => JS,
    "jobs.js" => JS,
    "authors.js" => JS,
    "views/login.js" => JS,
    "views/dashboard.js" => JS,
    "views/list.js" => JS,
    "views/users.js" => JS,
    "views/tokens.js" => JS,
    "views/scope.js" => JS,
    "views/audit.js" => JS,
    "views/entry.js" => JS,
    "editor/fields.js" => JS,
    "editor/paths.js" => JS,
    "editor/diff.js" => JS,
    "editor/history.js" => JS,
    "editor/workflow.js" => JS,
}

/// The file at `path`, if embedded.
pub(crate) fn find(path: &str) -> Option<&'static StaticFile> {
    STATIC_FILES.iter().find(|f| f.path == path)
}
