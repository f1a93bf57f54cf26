//! `/api/v1/render/markdown`: the admin UI's live preview of a markdown field, rendered and
//! sanitized exactly as publishing renders it.

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, Editor, JsonBody};

/// `POST /render/markdown`.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MarkdownBody {
    /// Markdown source.
    markdown: String,
}

/// The rendered HTML.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub(crate) struct RenderedHtml {
    /// Sanitized HTML, safe to insert in a page.
    html: String,
}

/// Render markdown to sanitized HTML
#[utoipa::path(post, path = "/api/v1/render/markdown", tag = "render",
    request_body = MarkdownBody,
    responses(
        (status = 200, description = "The HTML publishing would write for this markdown", body = RenderedHtml),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Viewers may not", body = ErrorBody),
    ))]
pub(crate) async fn markdown(
    _caller: Authorized<Editor>,
    body: JsonBody<MarkdownBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(RenderedHtml {
        html: herald_model::render::markdown_to_html(&body.0.markdown),
    }))
}
