//! The OpenAPI 3 document, generated from the handlers' annotations so it cannot drift.

use axum::Json;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Chat API", version = "1", description = "REST half of the chat service. WebSocket frames: see docs/api.md."),
    paths(
        super::auth::register, super::auth::login, super::auth::me, super::auth::ws_ticket,
        super::rooms::list, super::rooms::create, super::rooms::read, super::rooms::join, super::rooms::leave, super::rooms::mark_read,
        super::rooms::add_member, super::rooms::remove_member, super::rooms::open_direct,
        super::messages::list, super::messages::post, super::messages::edit, super::messages::delete,
        super::messages::add_reaction, super::messages::remove_reaction, super::messages::search,
        super::health,
    ),
    modifiers(&BearerAuth, &CommonErrors),
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

/// The errors every route can answer, so each operation lists what the server really does:
/// 400 and 413 wherever a body is read (the JSON extractor and the body limit), 401 wherever
/// a token is needed, 503 everywhere (the database can be out of reach); and a description on
/// every response, which OpenAPI requires.
struct CommonErrors;

impl Modify for CommonErrors {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder, path::Operation};
        let error = |description: &str| {
            ResponseBuilder::new()
                .description(description)
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ErrorBody")))
                        .build(),
                )
                .build()
        };
        let add = |operation: &mut Operation, status: &str, description: &str| {
            operation
                .responses
                .responses
                .entry(status.to_string())
                .or_insert_with(|| error(description).into());
        };
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                if operation.request_body.is_some() {
                    add(
                        operation,
                        "400",
                        "the body is not JSON, or the Content-Type is wrong",
                    );
                    add(operation, "413", "the body is over 64 KiB");
                }
                if operation.security.is_some() {
                    add(
                        operation,
                        "401",
                        "no valid token, or its user no longer exists",
                    );
                }
                add(
                    operation,
                    "503",
                    "the database cannot be reached; retry shortly",
                );
                for (status, response) in operation.responses.responses.iter_mut() {
                    if let utoipa::openapi::RefOr::T(response) = response
                        && response.description.is_empty()
                    {
                        response.description = describe(status).to_string();
                    }
                }
            }
        }
    }
}

fn describe(status: &str) -> &'static str {
    match status {
        "200" => "OK",
        "201" => "Created",
        "204" => "No Content",
        "400" => "bad_request",
        "401" => "unauthorized",
        "403" => "forbidden",
        "404" => "not_found",
        "409" => "conflict",
        "413" => "payload_too_large",
        "422" => "validation_failed: the message names the field",
        "429" => "rate_limited; see Retry-After",
        _ => "see docs/api.md",
    }
}

pub(super) async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
