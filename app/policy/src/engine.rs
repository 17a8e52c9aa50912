//! Loads the Cedar schema and trigger policies, checks them against each other, and decides
//! triggers with them.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use cedar_policy::{
    Authorizer, Context, Entities, Entity, EntityId, EntityTypeName, EntityUid, ParseErrors,
    PolicyId, PolicySet, Request, RestrictedExpression, Schema, ValidationMode, Validator,
};
use redgreen_core::Command;

use crate::{Decision, Permission, PolicyError, TriggerRequest};

/// The schema's file name, in `policies/` and in an override directory.
pub const SCHEMA_FILE: &str = "redgreen.cedarschema";
/// The policies' file name, in `policies/` and in an override directory.
pub const POLICY_FILE: &str = "trigger.cedar";

// Embedded so the binary carries the policy it was tested with.
const EMBEDDED_SCHEMA: &str = include_str!("../../../policies/redgreen.cedarschema");
const EMBEDDED_POLICIES: &str = include_str!("../../../policies/trigger.cedar");

const ACTOR_TYPE: &str = "Redgreen::Actor";
const REPOSITORY_TYPE: &str = "Redgreen::Repository";
const ACTION_TYPE: &str = "Redgreen::Action";
const WRITE_GROUP: &str = "write_command";

/// The loaded, validated trigger policy. Cheap to share behind an `Arc`; deciding does not
/// mutate it.
pub struct PolicyEngine {
    schema: Schema,
    policies: PolicySet,
    authorizer: Authorizer,
    actor_type: EntityTypeName,
    repository_type: EntityTypeName,
    actions: Actions,
    /// `@reason` by `@id`.
    reasons: HashMap<String, String>,
}

/// A command's Cedar action, and whether the schema puts it in the `write_command` group.
struct CommandAction {
    uid: EntityUid,
    writes: bool,
}

/// One field per command, so looking a command up cannot fail.
struct Actions {
    fix: CommandAction,
    plan: CommandAction,
    test: CommandAction,
    recommend: CommandAction,
    status: CommandAction,
    cancel: CommandAction,
    retry: CommandAction,
    continue_: CommandAction,
}

impl Actions {
    fn load(schema: &Schema) -> Result<Self, PolicyError> {
        let action_entities = schema
            .action_entities()
            .map_err(|e| PolicyError::RequestShape {
                reason: e.to_string(),
            })?;
        let group = find_action(schema.action_groups(), WRITE_GROUP)?;
        let action = |command: Command| -> Result<CommandAction, PolicyError> {
            let uid = find_action(schema.actions(), command.as_str())?;
            let writes = action_entities
                .ancestors(&uid)
                .is_some_and(|mut ancestors| ancestors.any(|a| *a == group));
            Ok(CommandAction { uid, writes })
        };
        Ok(Actions {
            fix: action(Command::Fix)?,
            plan: action(Command::Plan)?,
            test: action(Command::Test)?,
            recommend: action(Command::Recommend)?,
            status: action(Command::Status)?,
            cancel: action(Command::Cancel)?,
            retry: action(Command::Retry)?,
            continue_: action(Command::Continue)?,
        })
    }

    fn get(&self, command: Command) -> &CommandAction {
        match command {
            Command::Fix => &self.fix,
            Command::Plan => &self.plan,
            Command::Test => &self.test,
            Command::Recommend => &self.recommend,
            Command::Status => &self.status,
            Command::Cancel => &self.cancel,
            Command::Retry => &self.retry,
            Command::Continue => &self.continue_,
        }
    }
}

fn find_action<'a>(
    mut actions: impl Iterator<Item = &'a EntityUid>,
    name: &str,
) -> Result<EntityUid, PolicyError> {
    actions
        .find(|a| a.type_name().to_string() == ACTION_TYPE && a.id().unescaped() == name)
        .cloned()
        .ok_or_else(|| PolicyError::MissingDeclaration {
            what: format!("action {ACTION_TYPE}::\"{name}\""),
        })
}

fn find_entity_type(schema: &Schema, name: &str) -> Result<EntityTypeName, PolicyError> {
    schema
        .entity_types()
        .find(|t| t.to_string() == name)
        .cloned()
        .ok_or_else(|| PolicyError::MissingDeclaration {
            what: format!("entity type {name}"),
        })
}

/// "line L, column C" (from 1) of the first place Cedar points at in `text`.
fn error_location(diagnostic: &dyn miette::Diagnostic, text: &str) -> String {
    let Some(offset) = diagnostic
        .labels()
        .and_then(|mut labels| labels.next())
        .map(|label| label.offset())
    else {
        return "an unknown position".to_owned();
    };
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    format!("line {line}, column {column}")
}

impl PolicyEngine {
    /// The schema and policies compiled into this build from `policies/`.
    pub fn embedded() -> Result<Self, PolicyError> {
        Self::from_sources(EMBEDDED_SCHEMA, EMBEDDED_POLICIES)
    }

    /// An operator's own schema and policies: [`SCHEMA_FILE`] and [`POLICY_FILE`] in `dir`.
    pub fn from_dir(dir: &Path) -> Result<Self, PolicyError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read_to_string(&path).map_err(|source| PolicyError::Read { path, source })
        };
        Self::from_sources(&read(SCHEMA_FILE)?, &read(POLICY_FILE)?)
    }

    /// Parses the schema and policies, requires `@id` and `@reason` on every policy, and
    /// validates the policies against the schema, so a wrong file fails at startup rather
    /// than denying (or allowing) triggers later.
    pub fn from_sources(schema_text: &str, policy_text: &str) -> Result<Self, PolicyError> {
        // Schema warnings (a declared name shadowing a builtin type) do not change decisions.
        let (schema, _warnings) =
            Schema::from_cedarschema_str(schema_text).map_err(|source| PolicyError::Schema {
                location: error_location(&source, schema_text),
                source: Box::new(source),
            })?;
        let parsed: PolicySet =
            policy_text
                .parse()
                .map_err(|source: ParseErrors| PolicyError::Parse {
                    location: error_location(&source, policy_text),
                    source: Box::new(source),
                })?;
        if let Some(template) = parsed.templates().next() {
            return Err(PolicyError::Template {
                cedar_id: template.id().to_string(),
            });
        }

        // Cedar names policies by position (policy0, policy1, ...); renaming them to their
        // `@id` makes decisions name rules that survive edits to the file.
        let mut policies = PolicySet::new();
        let mut reasons = HashMap::new();
        for policy in parsed.policies() {
            let annotation = |key: &'static str| {
                policy.annotation(key).map(str::to_owned).ok_or_else(|| {
                    PolicyError::MissingAnnotation {
                        cedar_id: policy.id().to_string(),
                        annotation: key,
                    }
                })
            };
            let id = annotation("id")?;
            let reason = annotation("reason")?;
            policies
                .add(policy.new_id(PolicyId::new(&id)))
                .map_err(|_| PolicyError::DuplicateId { id: id.clone() })?;
            reasons.insert(id, reason);
        }

        let validation = Validator::new(schema.clone()).validate(&policies, ValidationMode::Strict);
        if !validation.validation_passed() {
            let errors: Vec<String> = validation
                .validation_errors()
                .map(ToString::to_string)
                .collect();
            return Err(PolicyError::Invalid {
                errors: errors.join("; "),
            });
        }

        let engine = PolicyEngine {
            actor_type: find_entity_type(&schema, ACTOR_TYPE)?,
            repository_type: find_entity_type(&schema, REPOSITORY_TYPE)?,
            actions: Actions::load(&schema)?,
            schema,
            policies,
            authorizer: Authorizer::new(),
            reasons,
        };
        // If the entities built here drifted from the schema, every trigger would be denied
        // at run time; one request per command makes that a startup error instead.
        for command in Command::ALL {
            let probe = TriggerRequest {
                actor_login: "probe".to_owned(),
                actor_is_bot: false,
                bot_allowlisted: false,
                own_app: false,
                permission: Permission::Read,
                command,
                repository: "probe/probe".to_owned(),
                min_permission: Permission::Write,
            };
            engine.cedar_request(&probe, probe.min_permission)?;
        }
        Ok(engine)
    }

    /// Decides a trigger. The repository's minimum is first raised to the floor for the
    /// command (triage for commands in the schema's `write_command` group, read for the
    /// rest), so a config cannot open write commands to readers; the policies enforce the
    /// same floor on their own. Fails closed: a request that cannot be evaluated is denied.
    pub fn decide(&self, request: &TriggerRequest) -> Decision {
        let floor = if self.actions.get(request.command).writes {
            Permission::Triage
        } else {
            Permission::Read
        };
        self.authorize(request, request.min_permission.max(floor))
    }

    /// Decides a trigger with its `min_permission` exactly as given, leaving every floor to
    /// the policies. For checking the policy files on their own (their test cases); the
    /// trigger path calls [`PolicyEngine::decide`].
    pub fn evaluate(&self, request: &TriggerRequest) -> Decision {
        self.authorize(request, request.min_permission)
    }

    fn authorize(&self, request: &TriggerRequest, min_permission: Permission) -> Decision {
        let (cedar_request, entities) = match self.cedar_request(request, min_permission) {
            Ok(parts) => parts,
            Err(e) => {
                return Decision {
                    allowed: false,
                    policy_ids: Vec::new(),
                    reason: e.to_string(),
                };
            }
        };
        let response = self
            .authorizer
            .is_authorized(&cedar_request, &self.policies, &entities);
        let mut policy_ids: Vec<String> = response
            .diagnostics()
            .reason()
            .map(ToString::to_string)
            .collect();
        policy_ids.sort();
        let mut reasons: Vec<&str> = policy_ids
            .iter()
            .filter_map(|id| self.reasons.get(id).map(String::as_str))
            .collect();
        if reasons.is_empty() {
            reasons.push("no policy permits this command (deny by default)");
        }
        let errors: Vec<String> = response
            .diagnostics()
            .errors()
            .map(ToString::to_string)
            .collect();
        let mut reason = reasons.join("; ");
        if !errors.is_empty() {
            reason = format!("{reason}; policy errors: {}", errors.join("; "));
        }
        Decision {
            allowed: response.decision() == cedar_policy::Decision::Allow,
            policy_ids,
            reason,
        }
    }

    /// The Cedar request and the two entities it is about, both checked against the schema.
    fn cedar_request(
        &self,
        request: &TriggerRequest,
        min_permission: Permission,
    ) -> Result<(Request, Entities), PolicyError> {
        // Cedar's top-level messages are terse ("entity does not conform to the schema");
        // the causes name the attribute.
        let shape = |e: &dyn std::error::Error| {
            let mut reason = e.to_string();
            let mut cause = e.source();
            while let Some(c) = cause {
                reason = format!("{reason}: {c}");
                cause = c.source();
            }
            PolicyError::RequestShape { reason }
        };
        let actor_uid = EntityUid::from_type_name_and_id(
            self.actor_type.clone(),
            EntityId::new(&request.actor_login),
        );
        let repository_uid = EntityUid::from_type_name_and_id(
            self.repository_type.clone(),
            EntityId::new(&request.repository),
        );
        let actor = Entity::new(
            actor_uid.clone(),
            HashMap::from([
                (
                    "login".to_owned(),
                    RestrictedExpression::new_string(request.actor_login.clone()),
                ),
                (
                    "is_bot".to_owned(),
                    RestrictedExpression::new_bool(request.actor_is_bot),
                ),
                (
                    "bot_allowlisted".to_owned(),
                    RestrictedExpression::new_bool(request.bot_allowlisted),
                ),
                (
                    "own_app".to_owned(),
                    RestrictedExpression::new_bool(request.own_app),
                ),
                (
                    "permission".to_owned(),
                    RestrictedExpression::new_long(request.permission.level()),
                ),
            ]),
            HashSet::new(),
        )
        .map_err(|e| shape(&e))?;
        let repository = Entity::new(
            repository_uid.clone(),
            HashMap::from([(
                "min_permission".to_owned(),
                RestrictedExpression::new_long(min_permission.level()),
            )]),
            HashSet::new(),
        )
        .map_err(|e| shape(&e))?;
        // With the schema, Cedar also adds the action entities, which `action in
        // Action::"write_command"` needs.
        let entities = Entities::from_entities([actor, repository], Some(&self.schema))
            .map_err(|e| shape(&e))?;
        let cedar_request = Request::new(
            actor_uid,
            self.actions.get(request.command).uid.clone(),
            repository_uid,
            Context::empty(),
            Some(&self.schema),
        )
        .map_err(|e| shape(&e))?;
        Ok((cedar_request, entities))
    }
}
