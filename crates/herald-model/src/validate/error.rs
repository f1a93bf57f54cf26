//! What is wrong with an entry: one [`FieldError`] per problem, each with a JSON path and a
//! stable [`ErrorCode`] (they are part of the HTTP contract's `details`).

use std::fmt;

use serde::Serialize;

/// Stable machine codes of field problems. Never rename one: clients match on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// A required value is absent, `null`, empty text or an empty list.
    Required,
    /// The value has the wrong JSON type (a number where text is expected, …).
    WrongType,
    /// A key the type does not declare.
    UnknownField,
    TooShort,
    TooLong,
    PatternMismatch,
    NotInEnum,
    /// A number below `min`.
    TooSmall,
    /// A number above `max`, or an integer beyond 64 bits.
    TooLarge,
    TooFewItems,
    TooManyItems,
    /// Line breaks in one-line text, or control characters in any text.
    InvalidCharacters,
    InvalidDate,
    InvalidDatetime,
    InvalidUrl,
    InvalidEmail,
    /// Not `{type, id}`, an id that is not a UUID, or a type the field does not accept.
    InvalidReference,
    /// Not `{id, alt?}` or an id that is not a UUID.
    InvalidAsset,
    InvalidSlug,
    /// A `unique` field whose value another entry of the type and locale already has.
    NotUnique,
    /// A reference to an entry that does not exist.
    ReferenceNotFound,
    /// An asset id that does not exist.
    AssetNotFound,
    /// An asset whose type is not in the field's `accept`.
    AssetTypeNotAccepted,
    /// An asset larger than the field's `max_bytes`.
    AssetTooLarge,
    /// A password that breaks the password policy (length, the e-mail, a common password).
    WeakPassword,
    /// A change that would leave no active admin.
    LastAdmin,
    /// An asset an entry still uses (the path names the entry: `type/locale/slug`).
    InUse,
    /// A reference to an entry that is not published (nor about to be): approving or
    /// publishing would give storefronts a link to nothing.
    ReferenceNotPublished,
}

impl ErrorCode {
    /// Every code, for documentation and tests.
    pub const ALL: [ErrorCode; 28] = [
        ErrorCode::Required,
        ErrorCode::WrongType,
        ErrorCode::UnknownField,
        ErrorCode::TooShort,
        ErrorCode::TooLong,
        ErrorCode::PatternMismatch,
        ErrorCode::NotInEnum,
        ErrorCode::TooSmall,
        ErrorCode::TooLarge,
        ErrorCode::TooFewItems,
        ErrorCode::TooManyItems,
        ErrorCode::InvalidCharacters,
        ErrorCode::InvalidDate,
        ErrorCode::InvalidDatetime,
        ErrorCode::InvalidUrl,
        ErrorCode::InvalidEmail,
        ErrorCode::InvalidReference,
        ErrorCode::InvalidAsset,
        ErrorCode::InvalidSlug,
        ErrorCode::NotUnique,
        ErrorCode::ReferenceNotFound,
        ErrorCode::AssetNotFound,
        ErrorCode::AssetTypeNotAccepted,
        ErrorCode::AssetTooLarge,
        ErrorCode::WeakPassword,
        ErrorCode::LastAdmin,
        ErrorCode::InUse,
        ErrorCode::ReferenceNotPublished,
    ];

    /// The code as it appears in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Required => "required",
            ErrorCode::WrongType => "wrong_type",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::TooShort => "too_short",
            ErrorCode::TooLong => "too_long",
            ErrorCode::PatternMismatch => "pattern_mismatch",
            ErrorCode::NotInEnum => "not_in_enum",
            ErrorCode::TooSmall => "too_small",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::TooFewItems => "too_few_items",
            ErrorCode::TooManyItems => "too_many_items",
            ErrorCode::InvalidCharacters => "invalid_characters",
            ErrorCode::InvalidDate => "invalid_date",
            ErrorCode::InvalidDatetime => "invalid_datetime",
            ErrorCode::InvalidUrl => "invalid_url",
            ErrorCode::InvalidEmail => "invalid_email",
            ErrorCode::InvalidReference => "invalid_reference",
            ErrorCode::InvalidAsset => "invalid_asset",
            ErrorCode::InvalidSlug => "invalid_slug",
            ErrorCode::NotUnique => "not_unique",
            ErrorCode::ReferenceNotFound => "reference_not_found",
            ErrorCode::AssetNotFound => "asset_not_found",
            ErrorCode::AssetTypeNotAccepted => "asset_type_not_accepted",
            ErrorCode::AssetTooLarge => "asset_too_large",
            ErrorCode::WeakPassword => "weak_password",
            ErrorCode::LastAdmin => "last_admin",
            ErrorCode::InUse => "in_use",
            ErrorCode::ReferenceNotPublished => "reference_not_published",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with one value of an entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldError {
    /// JSON path from the request body: `fields.products[3]`, `fields.seo.title`, `slug`.
    pub path: String,
    pub code: ErrorCode,
    /// For people: `at most 80 characters`.
    pub message: String,
}

impl FieldError {
    pub fn new(path: impl Into<String>, code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            path: path.into(),
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {} ({})", self.path, self.message, self.code)
    }
}

/// Every problem found in one entry: problems with given values in the order of the input,
/// then missing required fields, then unknown keys (sorted).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// `1 field is invalid` / `3 fields are invalid`, the summary of the HTTP error.
    pub fn summary(&self) -> String {
        match self.0.len() {
            1 => "1 field is invalid".to_owned(),
            n => format!("{n} fields are invalid"),
        }
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.summary())?;
        for error in &self.0 {
            write!(f, "; {error}")?;
        }
        Ok(())
    }
}
