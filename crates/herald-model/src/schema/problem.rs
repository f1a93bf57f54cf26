//! Problems found in schema files, each naming the file, the path inside it and what is wrong.

use std::fmt;

/// One problem in one schema file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaProblem {
    /// The file, as the caller named it (`schemas/promo_banner.json`).
    pub file: String,
    /// Where in the file: `fields.seo.title`, `fields.products[]`, `workflow`; empty for the
    /// whole file.
    pub path: String,
    pub message: String,
}

impl fmt::Display for SchemaProblem {
    /// `file: path: message`, the line `herald schema check` prints.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}: {}: {}", self.file, self.path, self.message)
        }
    }
}

/// Every problem found in a schema set, in file order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SchemaProblems(pub Vec<SchemaProblem>);

impl fmt::Display for SchemaProblems {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, problem) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// Problems of one file before it is named: a path and a message.
#[derive(Debug, Default)]
pub(crate) struct Issues(pub(crate) Vec<(String, String)>);

impl Issues {
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push((path.into(), message.into()));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_problems(self, file: &str) -> impl Iterator<Item = SchemaProblem> + '_ {
        self.0
            .into_iter()
            .map(move |(path, message)| SchemaProblem {
                file: file.to_owned(),
                path,
                message,
            })
    }
}
