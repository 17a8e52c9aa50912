//! The operator API under `/api/v1`: deliveries and runs, read and cancelled by operators
//! holding `REDGREEN_API_TOKEN`, and the OpenAPI 3.1 document that describes it.

mod auth;
mod deliveries;
mod runs;

use axum::extract::Query;
use axum::extract::rejection::QueryRejection;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::from_fn_with_state;
use axum::response::IntoResponse;
use axum::routing::{MethodRouter, get, post};
use serde::Deserialize;

use crate::error::HttpError;
use crate::state::AppState;

/// The committed OpenAPI 3.1 document (`schemas/api/openapi.json`).
pub const OPENAPI_JSON: &str = include_str!("../../../schemas/api/openapi.json");

/// One operator endpoint. The router is built from [`ENDPOINTS`], so this table is the
/// complete list that the OpenAPI document must describe.
pub struct Endpoint {
    pub method: Method,
    /// The path, in the `{param}` template syntax that axum and OpenAPI share.
    pub path: &'static str,
    /// Served without a bearer token. Only the API's own description is public: it holds
    /// nothing secret, and a client needs it to learn how to authenticate.
    pub public: bool,
    handler: fn() -> MethodRouter<AppState>,
}

impl Endpoint {
    pub(crate) fn method_router(&self, state: &AppState) -> MethodRouter<AppState> {
        let route = (self.handler)();
        if self.public {
            route
        } else {
            route.route_layer(from_fn_with_state(state.clone(), auth::require_token))
        }
    }
}

pub static ENDPOINTS: [Endpoint; 6] = [
    Endpoint {
        method: Method::GET,
        path: "/api/v1/openapi.json",
        public: true,
        handler: || get(openapi),
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/deliveries",
        public: false,
        handler: || get(deliveries::list),
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/runs",
        public: false,
        handler: || get(runs::list),
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/runs/{id}",
        public: false,
        handler: || get(runs::get),
    },
    Endpoint {
        method: Method::GET,
        path: "/api/v1/runs/{id}/events",
        public: false,
        handler: || get(runs::events),
    },
    Endpoint {
        method: Method::POST,
        path: "/api/v1/runs/{id}/cancel",
        public: false,
        handler: || post(runs::cancel),
    },
];

async fn openapi() -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        OPENAPI_JSON,
    )
}

/// `?limit=` on list endpoints.
#[derive(Debug, Deserialize)]
struct Page {
    limit: Option<i64>,
}

impl Page {
    const DEFAULT: i64 = 50;
    const MAX: i64 = 500;

    /// The number of rows to return: the default when absent, clamped to `1..=MAX`. A limit
    /// that is not a number is refused rather than guessed at.
    fn limit(query: Result<Query<Page>, QueryRejection>) -> Result<i64, HttpError> {
        let Query(page) =
            query.map_err(|rejection| HttpError::BadRequest(rejection.body_text()))?;
        Ok(page.limit.unwrap_or(Page::DEFAULT).clamp(1, Page::MAX))
    }
}
