//! The CloudFormation custom resource behind `functions/migrate`: on Create and Update it applies
//! the pending MySQL migrations, on Delete it does nothing (a stack deletion never drops chat
//! data), and it always answers CloudFormation — an unanswered custom resource stalls the stack
//! for an hour. The answer is an HTTPS PUT of the result to the event's pre-signed `ResponseURL`.

use std::time::Duration;

use crate::config::{self, Env, ProcessEnv, Profile};
use crate::db::Db;
use aws_lambda_events::cloudformation::{
    CloudFormationCustomResourceRequest as Request,
    CloudFormationCustomResourceResponse as Response,
    CloudFormationCustomResourceResponseStatus as Status,
};

/// The one physical resource this custom resource manages.
const PHYSICAL_ID: &str = "chat-database-migrations";
/// A fresh RDS instance or proxy may refuse connections for a while after CloudFormation
/// reports it created.
const CONNECT_PATIENCE: Duration = Duration::from_secs(120);

pub struct Responder {
    http: reqwest::Client,
}

impl Default for Responder {
    fn default() -> Self {
        Self::new()
    }
}

impl Responder {
    pub fn new() -> Self {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Responder { http }
    }

    /// Runs the request and delivers the answer. `Err` only when CloudFormation could not be
    /// told (then the runtime logs it and CloudFormation times out).
    pub async fn handle(&self, request: Request) -> Result<Response, String> {
        // Boxed: the migration future nests deep enough to overflow rustc's layout limit.
        Box::pin(self.handle_with(&ProcessEnv, request)).await
    }

    /// [`Responder::handle`] with the settings read from `env`.
    pub async fn handle_with(&self, env: &impl Env, request: Request) -> Result<Response, String> {
        let (response_url, response) = answer(env, request).await?;
        let body = serde_json::to_vec(&response).map_err(|e| e.to_string())?;
        // S3 pre-signed URLs are signed without a content type: send none.
        let put = self
            .http
            .put(&response_url)
            .header("content-type", "")
            .body(body)
            .send()
            .await;
        match put {
            Ok(r) if r.status().is_success() => Ok(response),
            Ok(r) => Err(format!(
                "CloudFormation's response URL answered {}",
                r.status()
            )),
            Err(e) => Err(format!("cannot reach CloudFormation's response URL: {e}")),
        }
    }
}

/// What to tell CloudFormation, and where.
pub async fn answer(env: &impl Env, request: Request) -> Result<(String, Response), String> {
    let mut response = Response::default();
    response.status = Status::Success;
    response.physical_resource_id = PHYSICAL_ID.into();
    let (url, outcome) = match request {
        Request::Create(r) => {
            (
                response.stack_id,
                response.request_id,
                response.logical_resource_id,
            ) = (r.stack_id, r.request_id, r.logical_resource_id);
            (r.response_url, migrate(env).await)
        }
        Request::Update(r) => {
            (
                response.stack_id,
                response.request_id,
                response.logical_resource_id,
            ) = (r.stack_id, r.request_id, r.logical_resource_id);
            (r.response_url, migrate(env).await)
        }
        Request::Delete(r) => {
            (
                response.stack_id,
                response.request_id,
                response.logical_resource_id,
            ) = (r.stack_id, r.request_id, r.logical_resource_id);
            response.physical_resource_id = r.physical_resource_id;
            tracing::info!(
                "stack resource deleted; the database and its data are left as they are"
            );
            (r.response_url, Ok(0))
        }
        // A request type newer than this code has no response URL we can trust to read.
        other => return Err(format!("unsupported custom resource request: {other:?}")),
    };
    match outcome {
        Ok(applied) => {
            response
                .data
                .insert("MigrationsApplied".into(), applied.to_string());
        }
        Err(reason) => {
            tracing::error!(%reason, "migrations failed");
            response.status = Status::Failed;
            response.reason = Some(reason);
        }
    }
    Ok((url, response))
}

/// Applies pending migrations; the count applied, or a reason fit for the stack's event log
/// (no credentials in it).
async fn migrate(env: &impl Env) -> Result<usize, String> {
    let url = config::database_url(env, Profile::Lambda)
        .await
        .map_err(|e| e.to_string())?;
    let db = Db::connect_lazy_url(&url, 1).map_err(|e| e.to_string())?;
    let deadline = tokio::time::Instant::now() + CONNECT_PATIENCE;
    loop {
        match db.ping().await {
            Ok(()) => break,
            Err(e) if tokio::time::Instant::now() < deadline => {
                tracing::warn!(error = %e.public_message(), "database not reachable yet; retrying");
                tokio::time::sleep(Duration::from_secs(5)).await;
            }
            Err(e) => return Err(format!("database unreachable: {}", e.public_message())),
        }
    }
    let before = db
        .applied_migrations()
        .await
        .map_err(|e| e.public_message())?;
    db.migrate()
        .await
        .map_err(|e| format!("migration failed: {e}"))?;
    let after = db
        .applied_migrations()
        .await
        .map_err(|e| e.public_message())?;
    tracing::info!(
        applied = after - before,
        total = after,
        "migrations applied"
    );
    Ok(after - before)
}
