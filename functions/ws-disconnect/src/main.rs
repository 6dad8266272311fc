//! Lambda function `ws-disconnect`: the WebSocket API's $disconnect route.
//! All behaviour lives in `shared::realtime`; this file only starts the runtime.

use aws_lambda_events::apigw::ApiGatewayWebsocketProxyRequest;
use lambda_runtime::{Error, LambdaEvent, service_fn};
use shared::AppState;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let state = shared::state::or_exit(AppState::for_lambda().await); // once per cold start
    let state = &state;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<ApiGatewayWebsocketProxyRequest>| async move {
            Ok::<_, Error>(shared::realtime::on_disconnect(state, &event.payload).await)
        },
    ))
    .await
}
