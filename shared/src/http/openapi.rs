//! The OpenAPI 3 document, generated from the handlers' annotations so it cannot drift.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Chat API", version = "1", description = "REST half of the chat service. WebSocket frames: see docs/api.md."),
    paths(
        super::auth::register, super::auth::login, super::auth::me,
        super::rooms::list, super::rooms::create, super::rooms::read, super::rooms::join, super::rooms::leave, super::rooms::mark_read,
        super::rooms::add_member, super::rooms::remove_member, super::rooms::open_direct,
        super::messages::list, super::messages::post, super::messages::edit, super::messages::delete,
        super::messages::add_reaction, super::messages::remove_reaction, super::messages::search,
        super::health,
    ),
    modifiers(&BearerAuth),
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let mut bearer = Http::new(HttpAuthScheme::Bearer);
        bearer.bearer_format = Some("JWT".into());
        openapi
            .components
            .get_or_insert_with(Default::default)
            .add_security_scheme("bearer", SecurityScheme::Http(bearer));
    }
}

pub(super) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
