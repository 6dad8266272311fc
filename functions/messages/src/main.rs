//! Lambda function `messages`: the messages routes of the REST API behind the API Gateway HTTP API.
//! All behaviour lives in `shared`; this file only starts the runtime.

use shared::AppState;

#[tokio::main]
async fn main() -> Result<(), lambda_http::Error> {
    lambda_http::tracing::init_default_subscriber();
    let state = shared::state::or_exit(AppState::for_lambda().await); // once per cold start
    lambda_http::run(shared::http::messages_router(state)).await
}
