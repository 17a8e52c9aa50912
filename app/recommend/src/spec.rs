//! The infrastructure spec (`schemas/infrastructure-spec.schema.json`): the chosen options
//! turned into hosting, database, caching, CI/CD, monitoring, security and a cost estimate
//! whose inputs are shown. It is validated before it is returned, so an invalid spec is
//! never written.

use serde_json::{Value, json};

use crate::error::RecommendError;
use crate::layer::Layer;
use crate::recommendation::{RankedOption, Recommendation};

/// The schema every spec is checked against.
pub const INFRASTRUCTURE_SPEC_SCHEMA: &str =
    include_str!("../../../schemas/infrastructure-spec.schema.json");

/// Layers whose chosen option appears as a cost line.
const COSTED: [Layer; 8] = [
    Layer::Hosting,
    Layer::Orchestration,
    Layer::Data,
    Layer::Caching,
    Layer::VectorSearch,
    Layer::CiCd,
    Layer::Telemetry,
    Layer::Monitoring,
];

impl Recommendation {
    /// The infrastructure spec for this recommendation, validated against its schema.
    /// `adr_title` ties the spec to its ADR.
    pub fn infrastructure_spec(&self, adr_title: &str) -> Result<Value, RecommendError> {
        let chosen = |layer: Layer| -> Result<&RankedOption, RecommendError> {
            self.chosen(layer)
                .ok_or_else(|| RecommendError::Spec(format!("no option chosen for {layer}")))
        };
        let hosting = chosen(Layer::Hosting)?;
        let data = chosen(Layer::Data)?;
        let orchestration = chosen(Layer::Orchestration)?;
        let defaults = &self.spec_defaults;
        let constraints = &self.constraints;

        let eu =
            constraints.region.as_deref() == Some("eu") || constraints.compliance.contains("gdpr");
        let want = if eu {
            "eu"
        } else {
            constraints.region.as_deref().unwrap_or("us")
        };
        let regions: Vec<String> = hosting
            .facts
            .get("regions")
            .and_then(|fact| fact.value.get(want))
            .and_then(Value::as_str)
            .map(|region| vec![region.to_string()])
            .unwrap_or_else(|| {
                vec![format!(
                    "{want} (the catalog names no region for {})",
                    hosting.name
                )]
            });
        let flag = |option: &RankedOption, fact: &str| {
            option
                .facts
                .get(fact)
                .and_then(|f| f.value.as_bool())
                .unwrap_or(false)
        };
        let service = |option: &RankedOption, fact: &str, otherwise: String| {
            option
                .fact_str(fact)
                .map(str::to_string)
                .unwrap_or(otherwise)
        };
        let tier = match constraints.data_volume_gb {
            Some(gb) => format!("sized for {gb} GB of data, plus growth"),
            None => "smallest production tier (no data volume was given)".to_string(),
        };
        let scale = match (constraints.users, constraints.requests_per_second) {
            (Some(users), Some(rps)) => format!("{users} users, {rps} requests/s"),
            (Some(users), None) => format!("{users} users"),
            (None, Some(rps)) => format!("{rps} requests/s"),
            (None, None) => "no scale was given".to_string(),
        };
        let line = |layer: Layer, option: &RankedOption| {
            let pricing = option.facts.get("cost_model");
            let model = pricing
                .and_then(|fact| fact.value.as_str())
                .unwrap_or("unknown")
                .to_string();
            // Software you run yourself under an open-source licence has no licence fee;
            // a managed service's fee is part of its usage price, which is not catalogued.
            let licence_fee =
                (model == "no_licence_fee" && option.delivery != "managed").then_some(0);
            json!({
                "layer": layer.id(),
                "service": option.name,
                "pricingModel": model,
                "licenceFeeUsd": licence_fee,
                "usageUsd": null,
                "source": pricing.map(|fact| fact.source.clone()),
            })
        };
        let line_items: Vec<Value> = COSTED
            .iter()
            .filter_map(|layer| self.chosen(*layer).map(|option| line(*layer, option)))
            .collect();
        let spec = json!({
            "specVersion": "1",
            "catalogVersion": self.catalog_version,
            "adr": adr_title,
            "hosting": {
                "provider": hosting.name,
                "compute": {
                    "orchestrator": orchestration.name,
                    "runtime": chosen(Layer::Runtime)?.name,
                    "isolation": chosen(Layer::RuntimeIsolation)?.name,
                },
                "regions": regions,
                "autoscaling": {
                    "enabled": flag(orchestration, "autoscaling"),
                    "minReplicas": defaults.min_replicas.value.max(1),
                    "metric": "cpu utilisation",
                    "basis": format!("{} Scale input: {scale}.", defaults.min_replicas.why),
                },
                "estimatedCost": line(Layer::Hosting, hosting),
            },
            "database": {
                "service": data.name,
                "tier": tier,
                "backups": {
                    "pointInTimeRecovery": flag(data, "pitr"),
                    "retentionDays": defaults.backup_retention_days.value.max(1),
                },
                "replicas": u32::from(flag(data, "read_replicas")),
            },
            "caching": {
                "service": chosen(Layer::Caching)?.name,
                "strategy": defaults.cache_strategy.value,
                "ttl": defaults.cache_ttl_seconds.value.max(1),
            },
            "cicd": {
                "platform": chosen(Layer::CiCd)?.name,
                "stages": defaults.ci_stages.value,
                "deploymentStrategy": defaults.deployment_strategy.value,
            },
            "monitoring": {
                "apm": chosen(Layer::Monitoring)?.name,
                "logging": chosen(Layer::Telemetry)?.name,
                "alerts": defaults.alerts.value,
            },
            "security": {
                "authentication": service(hosting, "identity_service", "OIDC single sign-on through the organisation's identity provider".to_string()),
                "secrets": service(hosting, "secrets_service", "a secrets manager run beside the cluster (the provider offers none in the catalog)".to_string()),
                "waf": service(hosting, "waf", format!("none catalogued for {}: put a web application firewall in front", hosting.name)),
                "ddosProtection": service(hosting, "ddos_protection", format!("none catalogued for {}: rely on an upstream CDN or network provider", hosting.name)),
            },
            "estimatedMonthlyCost": {
                "currency": "USD",
                "amount": null,
                "complete": false,
                "method": "The catalog records each service's pricing model and the page that \
                           publishes its prices, never a price: multiply those unit prices by \
                           the inputs below. Open-source software you run yourself has no \
                           licence fee (0); its compute is part of the hosting line.",
                "inputs": {
                    "users": constraints.users,
                    "requestsPerSecond": constraints.requests_per_second,
                    "dataVolumeGb": constraints.data_volume_gb,
                    "budgetUsdPerMonth": constraints.budget_usd_per_month,
                },
                "lineItems": line_items,
            },
        });
        let spec = redgreen_core::canonical_json::sorted(spec);
        validate_spec(&spec)?;
        Ok(spec)
    }
}

/// Checks a spec against `schemas/infrastructure-spec.schema.json`.
pub fn validate_spec(spec: &Value) -> Result<(), RecommendError> {
    let schema: Value = serde_json::from_str(INFRASTRUCTURE_SPEC_SCHEMA)
        .map_err(|error| RecommendError::Spec(format!("the schema is not JSON: {error}")))?;
    let validator = jsonschema::options()
        .offline()
        .build(&schema)
        .map_err(|error| RecommendError::Spec(format!("the schema does not compile: {error}")))?;
    let errors: Vec<String> = validator
        .iter_errors(spec)
        .map(|error| format!("{error} (at `{}`)", error.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(RecommendError::Spec(errors.join("; ")))
    }
}
