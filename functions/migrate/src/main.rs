//! Lambda function `migrate`: the CloudFormation custom resource that applies the database
//! migrations when the stack is created or updated. All behaviour lives in
//! `shared::custom_resource`; this file only starts the runtime.

use aws_lambda_events::cloudformation::CloudFormationCustomResourceRequest;
use lambda_runtime::{Error, LambdaEvent, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::tracing::init_default_subscriber();
    let responder = shared::custom_resource::Responder::new(); // once per cold start
    let responder = &responder;
    lambda_runtime::run(service_fn(
        move |event: LambdaEvent<CloudFormationCustomResourceRequest>| async move {
            responder.handle(event.payload).await.map_err(Error::from)
        },
    ))
    .await
}
