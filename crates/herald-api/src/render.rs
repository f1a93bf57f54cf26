//! `/api/v1/render/markdown`: the admin UI's live preview of a markdown field, rendered and
//! sanitized exactly as publishing renders it. Any signed-in role may call it: it reads no
//! stored data and changes nothing, so a viewer reading an entry sees the same preview.

use actix_web::HttpResponse;
use serde::{Deserialize, Serialize};

use crate::error::{ApiError, ErrorBody};
use crate::extract::{Authorized, JsonBody, Viewer};

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
    ))]
pub(crate) async fn markdown(
    _caller: Authorized<Viewer>,
    body: JsonBody<MarkdownBody>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(RenderedHtml {
        html: herald_model::render::markdown_to_html(&body.0.markdown),
    }))
}
