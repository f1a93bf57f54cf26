//! `/api/v1/assets…`: uploads (multipart, streamed into private storage, never held whole in
//! memory), listing and search, one asset with the entries using it, the private original for
//! previews, and deletion of unused assets. A caller limited to some content types reaches
//! only the assets [`AssetScope`] lets it see; any other is `404`, as if it did not exist.

use actix_multipart::Multipart;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use futures::StreamExt;
use herald_assets::{Declared, IngestError, Received, sanitize_filename, with_extension_for};
use herald_model::{ErrorCode, FieldError, ValidationErrors};
use herald_store::{Asset, AssetQuery, AssetScope, AssetUser, MAX_ALT_CHARS, NewAsset, StoreError};
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, Code, ErrorBody};
use crate::extract::{
    Authorized, Editor, QueryParams, id_cursor, parse_cursor, parse_limit, state,
};

/// Asset settings (`herald.toml` `[assets]`).
#[derive(Debug, Clone)]
pub struct AssetLimits {
    /// Largest upload, in bytes (25 MiB by default); larger ones get 413.
    pub max_bytes: u64,
    /// The media types accepted (sniffed from the bytes).
    pub allowed_types: Vec<String>,
}

impl Default for AssetLimits {
    fn default() -> Self {
        AssetLimits {
            max_bytes: 25 * 1024 * 1024,
            allowed_types: herald_assets::sniff::KNOWN_TYPES
                .iter()
                .map(|(t, _)| (*t).to_owned())
                .collect(),
        }
    }
}

/// Room for the multipart framing and the `alt` part around the file.
const FORM_OVERHEAD: u64 = 64 * 1024;

/// The most bytes an `alt` part of at most [`MAX_ALT_CHARS`] characters can have: more is too
/// long, whatever the characters (and wherever a character is cut).
const MAX_ALT_BYTES: usize = MAX_ALT_CHARS * 4;

/// What a caller limited to some content types may see of the assets (`None`: every asset).
fn scope_of<R>(caller: &Authorized<R>) -> Option<AssetScope> {
    AssetScope::of(&caller.actor())
}

/// `POST /assets` form (documentation only; the handler streams the parts).
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub(crate) struct UploadForm {
    /// The file. Its type is read from its bytes and must agree with the part's
    /// `Content-Type` and the file name's extension.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// Text describing the image for people who cannot see it.
    alt: Option<String>,
}

fn too_large(limit: u64) -> ApiError {
    ApiError::new(
        Code::PayloadTooLarge,
        format!(
            "the file is larger than the {} MiB this server accepts",
            limit / (1024 * 1024)
        ),
    )
}

fn invalid(path: &str, code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::validation(ValidationErrors(vec![FieldError::new(path, code, message)]))
}

impl From<IngestError> for ApiError {
    fn from(error: IngestError) -> Self {
        match error {
            IngestError::TooLarge { limit } => too_large(limit),
            IngestError::Empty => invalid("file", ErrorCode::Required, "the file is empty"),
            IngestError::Unrecognised
            | IngestError::Mislabelled { .. }
            | IngestError::NotAllowed(_) => {
                ApiError::new(Code::UnsupportedMediaType, error.to_string())
            }
            IngestError::Interrupted(why) => ApiError::new(
                Code::InvalidJson,
                format!("the upload could not be read: {why}"),
            ),
            IngestError::Storage(e) => ApiError::internal(&e),
        }
    }
}

/// Upload a file
///
/// `multipart/form-data` with a `file` part and an optional `alt` part. The same bytes
/// uploaded again give the existing asset (200) instead of a new one (201). The file stays
/// private until an entry using it is published.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets",
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, description = "Stored", body = Asset),
        (status = 200, description = "These bytes were already stored: the existing asset", body = Asset),
        (status = 400, description = "Malformed form, or an unknown part", body = ErrorBody),
        (status = 413, description = "Larger than the limit", body = ErrorBody),
        (status = 415, description = "Not multipart, a type not accepted, or content that is not what it claims", body = ErrorBody),
        (status = 422, description = "No file, or an alt text too long", body = ErrorBody),
    ))]
pub(crate) async fn upload(
    caller: Authorized<Editor>,
    req: HttpRequest,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let limits = &state.asset_limits;
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.to_ascii_lowercase().starts_with("multipart/form-data"));
    if !is_form {
        return Err(ApiError::new(
            Code::UnsupportedMediaType,
            "send the file as multipart/form-data with a `file` part",
        ));
    }
    let announced = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if announced.is_some_and(|length| length > limits.max_bytes + FORM_OVERHEAD) {
        return Err(too_large(limits.max_bytes));
    }

    let mut form = Multipart::new(req.headers(), payload);
    let mut stored: Option<(Received, String)> = None;
    let mut alt: Option<String> = None;
    let outcome: Result<(), ApiError> = async {
        while let Some(part) = form.next().await {
            let mut part = part.map_err(|e| {
                ApiError::new(
                    Code::InvalidJson,
                    format!("the form could not be read: {e}"),
                )
            })?;
            match part.name() {
                Some("file") if stored.is_none() => {
                    let raw_name = part
                        .content_disposition()
                        .and_then(|d| d.get_filename())
                        .map(str::to_owned);
                    let declared = Declared {
                        content_type: part.content_type().map(|m| m.essence_str().to_owned()),
                        filename: raw_name.clone(),
                    };
                    let received = state
                        .assets
                        .ingest(
                            &mut part,
                            &declared,
                            &limits.allowed_types,
                            limits.max_bytes,
                        )
                        .await?;
                    let filename = with_extension_for(
                        &sanitize_filename(raw_name.as_deref().unwrap_or("")),
                        received.file.content_type,
                    );
                    stored = Some((received, filename));
                }
                Some("file") => {
                    return Err(ApiError::new(
                        Code::InvalidJson,
                        "send one `file` per upload",
                    ));
                }
                Some("alt") => {
                    let too_long = || {
                        invalid(
                            "alt",
                            ErrorCode::TooLong,
                            format!("at most {MAX_ALT_CHARS} characters"),
                        )
                    };
                    let mut text = Vec::new();
                    while let Some(chunk) = part.next().await {
                        let chunk = chunk.map_err(|e| {
                            ApiError::new(
                                Code::InvalidJson,
                                format!("the form could not be read: {e}"),
                            )
                        })?;
                        if text.len() + chunk.len() > MAX_ALT_BYTES {
                            return Err(too_long());
                        }
                        text.extend_from_slice(&chunk);
                    }
                    let text = String::from_utf8(text).map_err(|_| {
                        invalid("alt", ErrorCode::InvalidCharacters, "not UTF-8 text")
                    })?;
                    if text.chars().count() > MAX_ALT_CHARS {
                        return Err(too_long());
                    }
                    if text.chars().any(char::is_control) {
                        return Err(invalid(
                            "alt",
                            ErrorCode::InvalidCharacters,
                            "no line breaks or control characters",
                        ));
                    }
                    alt = Some(text.trim().to_owned()).filter(|t| !t.is_empty());
                }
                other => {
                    return Err(ApiError::new(
                        Code::UnknownField,
                        format!(
                            "unknown part {:?}: an upload has `file` and `alt`",
                            other.unwrap_or("")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }
    .await;

    let Some((received, filename)) = stored else {
        outcome?;
        return Err(invalid(
            "file",
            ErrorCode::Required,
            "add the file as a `file` part",
        ));
    };
    if let Err(error) = outcome {
        state.assets.discard(received).await;
        return Err(error);
    }
    let file = &received.file;
    let new = NewAsset {
        sha256: file.sha256.clone(),
        filename,
        content_type: file.content_type.to_owned(),
        bytes: file.bytes,
        width: file.width,
        height: file.height,
        alt,
    };
    let keep = async {
        state
            .assets
            .keep(&received)
            .await
            .map_err(|e| e.to_string())
    };
    let created = state.store.create_asset(new, &caller.actor(), keep).await;
    if !matches!(created, Ok((_, true))) {
        // Refused, failed, or these bytes were stored already: the received copy goes.
        state.assets.discard(received).await;
    }
    let (asset, created) = created?;
    let mut response = if created {
        HttpResponse::Created()
    } else {
        HttpResponse::Ok()
    };
    Ok(response
        .insert_header((header::LOCATION, format!("/api/v1/assets/{}", asset.id)))
        .json(asset))
}

/// `GET /assets` parameters.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub(crate) struct AssetListParams {
    /// Words in the file name or alt text.
    q: Option<String>,
    /// A media type (`image/png`) or a family ending in `/` (`image/`).
    #[serde(rename = "type")]
    #[param(rename = "type")]
    content_type: Option<String>,
    /// Page size.
    #[param(value_type = Option<u32>, minimum = 1)]
    limit: Option<String>,
    /// `next_cursor` of the previous page.
    cursor: Option<String>,
}

/// A page of assets, newest first.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssetPage {
    items: Vec<Asset>,
    next_cursor: Option<String>,
}

/// List and search assets
///
/// A caller limited to some content types sees the assets it uploaded and those used by
/// entries of its types.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(AssetListParams),
    responses(
        (status = 200, description = "A page of assets, newest first", body = AssetPage),
        (status = 400, description = "Bad query parameter", body = ErrorBody),
    ))]
pub(crate) async fn list(
    caller: Authorized<Editor>,
    req: HttpRequest,
    params: QueryParams<AssetListParams>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let params = params.0;
    let limit = parse_limit(params.limit.as_deref(), state.limits.max_list_limit)?;
    if params.q.as_ref().is_some_and(|q| q.chars().count() > 200) {
        return Err(ApiError::invalid_query("q: at most 200 characters"));
    }
    let query = AssetQuery {
        q: params.q,
        content_type: params.content_type.map(|t| t.to_ascii_lowercase()),
        scope: scope_of(&caller),
        before: parse_cursor(params.cursor.as_deref(), id_cursor)?,
        limit,
    };
    let items = state.store.list_assets(&query).await?;
    let next_cursor = (items.len() as u64 == limit)
        .then(|| items.last().map(|a| a.id.clone()))
        .flatten();
    Ok(HttpResponse::Ok().json(AssetPage { items, next_cursor }))
}

/// An asset with the entries that use it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct AssetDetail {
    #[serde(flatten)]
    asset: Asset,
    /// The entries whose fields use the asset, in their current version or an earlier one
    /// (for a caller limited to some content types, only entries of those types).
    used_by: Vec<UsedBy>,
}

/// An entry using an asset.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct UsedBy {
    id: String,
    #[serde(rename = "type")]
    type_name: String,
    locale: String,
    slug: String,
    /// Whether its current version uses the asset; otherwise only earlier versions do (the
    /// live one, or ones that can be restored).
    current: bool,
}

impl From<AssetUser> for UsedBy {
    fn from(user: AssetUser) -> Self {
        let e = user.entry;
        UsedBy {
            id: e.id,
            type_name: e.type_name,
            locale: e.locale,
            slug: e.slug,
            current: user.current,
        }
    }
}

fn not_found(error: StoreError) -> ApiError {
    match error {
        StoreError::NotFound => ApiError::not_found("asset"),
        other => other.into(),
    }
}

/// The users of an asset a caller may know of, and how many others there are.
fn users_in_scope(users: Vec<AssetUser>, scope: Option<&AssetScope>) -> (Vec<AssetUser>, usize) {
    let Some(scope) = scope else {
        return (users, 0);
    };
    let total = users.len();
    let shown: Vec<AssetUser> = users
        .into_iter()
        .filter(|u| scope.covers(&u.entry.type_name))
        .collect();
    let hidden = total - shown.len();
    (shown, hidden)
}

/// `409 asset_in_use`: one detail per entry (`type/locale/slug`), saying whether its current
/// version or only an earlier one uses the asset; `hidden` more entries are of content types
/// outside the caller's scope and are only counted.
pub(crate) fn in_use(users: &[AssetUser], hidden: usize) -> ApiError {
    let total = users.len() + hidden;
    let (entries, them) = if total == 1 {
        ("1 entry uses".to_owned(), "it")
    } else {
        (format!("{total} entries use"), "them")
    };
    let mut message = if hidden == 0 && users.iter().all(|u| u.current) {
        format!("{entries} this asset; remove it from {them} first")
    } else {
        format!(
            "{entries} this asset, in the current version or in an earlier one that can be \
             restored: an asset any version uses is kept"
        )
    };
    if total == 1 && hidden == 1 {
        message.push_str(" (an entry of a content type outside your scope)");
    } else if hidden > 0 {
        message.push_str(&format!(
            " ({hidden} of them of content types outside your scope)"
        ));
    }
    ApiError {
        details: users
            .iter()
            .map(|user| {
                let e = &user.entry;
                FieldError::new(
                    format!("{}/{}/{}", e.type_name, e.locale, e.slug),
                    ErrorCode::InUse,
                    if user.current {
                        format!("entry {} uses this asset", e.id)
                    } else {
                        format!(
                            "an earlier version of entry {} uses this asset (restoring it \
                             would bring it back)",
                            e.id
                        )
                    },
                )
            })
            .collect(),
        ..ApiError::new(Code::AssetInUse, message)
    }
}

/// One asset
///
/// With `used_by`, the entries whose current or earlier versions use it.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "Asset id")),
    responses(
        (status = 200, description = "The asset and the entries using it", body = AssetDetail),
        (status = 404, description = "No such asset", body = ErrorBody),
    ))]
pub(crate) async fn get(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let scope = scope_of(&caller);
    let asset = state
        .store
        .asset(&path, scope.as_ref())
        .await
        .map_err(not_found)?;
    let (users, _) = users_in_scope(state.store.asset_users(&asset.id).await?, scope.as_ref());
    let used_by = users.into_iter().map(UsedBy::from).collect();
    Ok(HttpResponse::Ok().json(AssetDetail { asset, used_by }))
}

/// The private original
///
/// For previews in the admin UI: the bytes as uploaded, to signed-in editors only, never
/// cached by shared caches.
#[utoipa::path(get, path = "/api/v1/assets/{id}/content", tag = "assets",
    params(("id" = String, Path, description = "Asset id")),
    responses(
        (status = 200, description = "The file, with the media type sniffed at upload as its `Content-Type`", content_type = "*/*"),
        (status = 404, description = "No such asset", body = ErrorBody),
    ))]
pub(crate) async fn content(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let asset = state
        .store
        .asset(&path, scope_of(&caller).as_ref())
        .await
        .map_err(not_found)?;
    let body = state
        .assets
        .open(&asset.sha256)
        .await
        .map_err(|e| ApiError::internal(&e))?
        .map(|chunk| chunk.map_err(|e| actix_web::error::ErrorInternalServerError(e.to_string())));
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type.as_str())
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("inline; filename=\"{}\"", asset.filename),
        ))
        .no_chunking(asset.bytes)
        .streaming(body))
}

/// Delete an unused asset
///
/// Refused while any version of any entry uses it, the current one or an earlier one, so that
/// every version stays restorable.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "assets",
    params(("id" = String, Path, description = "Asset id")),
    responses(
        (status = 200, description = "The deleted asset", body = Asset),
        (status = 404, description = "No such asset", body = ErrorBody),
        (status = 409, description = "Entries use it, in their current or an earlier version: `details` lists them", body = ErrorBody),
    ))]
pub(crate) async fn delete(
    caller: Authorized<Editor>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let state = state(&req)?;
    let scope = scope_of(&caller);
    if scope.is_some() {
        state
            .store
            .asset(&path, scope.as_ref())
            .await
            .map_err(not_found)?;
    }
    let asset = state
        .store
        .delete_asset(&path, &caller.actor())
        .await
        .map_err(|error| match error {
            StoreError::AssetInUse(users) => {
                let (shown, hidden) = users_in_scope(users, scope.as_ref());
                in_use(&shown, hidden)
            }
            other => not_found(other),
        })?;
    let removed = state
        .store
        .remove_unrecorded_file(&asset.sha256, state.assets.remove(&asset.sha256))
        .await;
    if let Err(e) = removed {
        // The row is gone; the file is left for the next sweep (`housekeeping`).
        tracing::warn!(%e, asset = %asset.id, "the original of a deleted asset could not be removed");
    }
    Ok(HttpResponse::Ok().json(asset))
}
