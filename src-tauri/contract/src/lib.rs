//! Provider contracts: what each provider's published document says of the routes Vital Link
//! uses, as data (`tests/contracts/<slug>.json`), and a checker for requests and responses.
//!
//! A contract lists, per route, the method, the path template, the query (or form) parameters
//! with their types and formats, the fields of the success body with types, required flags,
//! enums and nullability, and the documented error statuses with their bodies. The checker
//! answers every departure from it as a [`Violation`] naming the route and the field:
//!
//! ```
//! let c = vital_link_contract::Contract::load("oura").unwrap();
//! let v = c.check_request("GET", "/v2/usercollection/sleep", &[("start_date", "2024-01-01"), ("page", "2")]);
//! assert!(v.iter().any(|v| v.field == "page"));
//! ```
//!
//! Paths of fields: `a.b` is key `b` of object `a`, `a[]` every item of array `a`, `a.*` every
//! value of map `a`; a body that is itself a list starts with `[]`.
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_json::Value;

/// Where a contract came from: the published document, its version or date, and where we read it.
#[derive(Debug, Clone, Deserialize)]
pub struct Source {
    /// `openapi` (a machine-readable document), `reference-pages` (human pages only), or
    /// `openapi-transcription` (a machine-readable copy made by a third party of the provider's).
    pub kind: String,
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub version: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    /// Where the copy that was read lives: repository, path, commit.
    #[serde(default)]
    pub mirror: Option<Value>,
    #[serde(default)]
    pub pages: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// One type or several (`"string"` or `["string", "integer"]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Types {
    One(String),
    Many(Vec<String>),
}

impl Types {
    fn list(&self) -> Vec<&str> {
        match self {
            Types::One(s) => vec![s.as_str()],
            Types::Many(v) => v.iter().map(String::as_str).collect(),
        }
    }
}

impl Default for Types {
    fn default() -> Self {
        Types::One("any".into())
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Param {
    pub name: String,
    /// `query`, `form` (body of a `POST` form) or `path`.
    #[serde(rename = "in", default = "query")]
    pub location: String,
    #[serde(rename = "type", default)]
    pub ty: Types,
    /// `date`, `date-time`, `date-time-local`, `epoch-seconds`, `epoch-ms`, `csv`, or several
    /// separated by `|` (any of them is accepted).
    #[serde(default)]
    pub format: Option<String>,
    #[serde(default)]
    pub required: bool,
    /// Required unless one of these parameters is sent instead.
    #[serde(default)]
    pub unless: Vec<String>,
    /// Allowed values; for `csv`, allowed items.
    #[serde(rename = "enum", default)]
    pub allowed: Option<Vec<Value>>,
    #[serde(default)]
    pub minimum: Option<f64>,
    #[serde(default)]
    pub maximum: Option<f64>,
    #[serde(default)]
    pub unverified: Option<Value>,
    #[serde(default)]
    pub description: Option<String>,
}

fn query() -> String {
    "query".into()
}

#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub path: String,
    #[serde(rename = "type", default)]
    pub ty: Types,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub nullable: bool,
    #[serde(default)]
    pub format: Option<String>,
    #[serde(rename = "enum", default)]
    pub allowed: Option<Vec<Value>>,
    #[serde(default)]
    pub unit: Option<String>,
    #[serde(default)]
    pub unverified: Option<Value>,
    #[serde(default)]
    pub description: Option<String>,
}

/// A body: its fields, and the object paths whose keys are not all documented (`open`).
#[derive(Debug, Clone, Deserialize, Default)]
pub struct Body {
    #[serde(default)]
    pub fields: Vec<Field>,
    /// Objects that may carry keys the document does not list (checked for the listed ones only).
    #[serde(default)]
    pub open: Vec<String>,
    /// The document's example, checked by the crate's tests against the fields.
    #[serde(default)]
    pub example: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Response {
    #[serde(default = "ok")]
    pub status: u16,
    #[serde(flatten)]
    pub body: Body,
}

fn ok() -> u16 {
    200
}

#[derive(Debug, Clone, Deserialize)]
pub struct ErrorResponse {
    pub status: u16,
    #[serde(default)]
    pub meaning: Option<String>,
    /// Name of a shared error body in the contract's `error_bodies`.
    #[serde(default)]
    pub body_ref: Option<String>,
    #[serde(default)]
    pub body: Option<Body>,
}

/// For providers that multiplex one path (`POST /v2/measure action=getworkouts`).
#[derive(Debug, Clone, Deserialize)]
pub struct Discriminator {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Route {
    pub id: String,
    pub method: String,
    pub path: String,
    #[serde(default)]
    pub discriminator: Option<Discriminator>,
    #[serde(default)]
    pub params: Vec<Param>,
    pub response: Response,
    #[serde(default)]
    pub errors: Vec<ErrorResponse>,
    /// Where our client and fake use this route (for humans).
    #[serde(default)]
    pub used_by: Vec<String>,
    #[serde(default)]
    pub source_ref: Option<String>,
    #[serde(default)]
    pub unverified: Option<Value>,
}

impl Route {
    /// `GET /path` or `POST /path action=value`.
    pub fn label(&self) -> String {
        match &self.discriminator {
            Some(d) => format!("{} {} {}={}", self.method, self.path, d.name, d.value),
            None => format!("{} {}", self.method, self.path),
        }
    }

    fn matches_path(&self, path: &str) -> Option<Vec<(String, String)>> {
        // A trailing slash is a different path in HTTP (`/v3/users/activities/`): compared as is.
        let want: Vec<&str> = self.path.trim_start_matches('/').split('/').collect();
        let got: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        if want.len() != got.len() {
            return None;
        }
        let mut vars = vec![];
        for (w, g) in want.iter().zip(&got) {
            if w.starts_with('{') && w.ends_with('}') && w.len() > 2 {
                if g.is_empty() {
                    return None;
                }
                vars.push((w[1..w.len() - 1].to_string(), g.to_string()));
            } else if w != g {
                return None;
            }
        }
        Some(vars)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Contract {
    pub provider: String,
    pub source: Source,
    #[serde(default)]
    pub base_url: Option<String>,
    /// Path prefixes our fakes also serve the same routes under (Oura's `/v2/sandbox`), as
    /// `[from, to]` pairs: a path starting with `from` is checked as if it started with `to`.
    #[serde(default)]
    pub aliases: Vec<(String, String)>,
    #[serde(default)]
    pub error_bodies: BTreeMap<String, Body>,
    /// Providers that answer HTTP 200 with a status inside (Withings): the document's families.
    #[serde(default)]
    pub status_families: Vec<StatusFamily>,
    pub routes: Vec<Route>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct StatusFamily {
    pub from: i64,
    pub to: i64,
    pub family: String,
}

/// What is wrong, by kind.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    UnknownRoute,
    UndocumentedParameter,
    MissingParameter,
    WrongParameterType,
    WrongParameterFormat,
    ParameterOutsideEnum,
    UndocumentedStatus,
    MissingField,
    WrongType,
    WrongFormat,
    OutsideEnum,
    NullNotAllowed,
    UndocumentedField,
    NotJson,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub provider: String,
    /// `GET /v2/usercollection/sleep` (or the request's own when no route matched).
    pub route: String,
    /// Parameter name or JSON path of the field (`data[].day`); empty for a route.
    pub field: String,
    pub kind: Kind,
    pub detail: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.provider, self.route)?;
        if !self.field.is_empty() {
            write!(f, " `{}`", self.field)?;
        }
        write!(f, ": {:?}: {}", self.kind, self.detail)
    }
}

#[derive(Debug)]
pub enum LoadError {
    NotFound(PathBuf),
    Io(PathBuf, std::io::Error),
    Json(PathBuf, serde_json::Error),
    Invalid(String),
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::NotFound(p) => write!(f, "no contract at {}", p.display()),
            LoadError::Io(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::Json(p, e) => write!(f, "{}: {e}", p.display()),
            LoadError::Invalid(s) => write!(f, "invalid contract: {s}"),
        }
    }
}

impl std::error::Error for LoadError {}

/// The slugs that have a contract.
pub const SLUGS: &[&str] = &[
    "oura",
    "whoop_v2",
    "withings",
    "strava",
    "polar",
    "dexcom_v3",
    "wahoo",
    "google_health",
];

/// `tests/contracts/`: `$VITAL_LINK_CONTRACTS` if set, else the first `tests/contracts` found
/// walking up from this crate (so the crate keeps working wherever the workspace puts it).
pub fn contracts_dir() -> Option<PathBuf> {
    if let Some(d) = std::env::var_os("VITAL_LINK_CONTRACTS") {
        return Some(PathBuf::from(d));
    }
    let mut dir: Option<&Path> = Some(Path::new(env!("CARGO_MANIFEST_DIR")));
    while let Some(d) = dir {
        let c = d.join("tests").join("contracts");
        if c.is_dir() {
            return Some(c);
        }
        dir = d.parent();
    }
    None
}

impl Contract {
    /// Loads `tests/contracts/<slug>.json`.
    pub fn load(slug: &str) -> Result<Contract, LoadError> {
        let dir = contracts_dir().ok_or_else(|| LoadError::NotFound("tests/contracts".into()))?;
        Self::load_path(&dir.join(format!("{slug}.json")))
    }

    pub fn load_path(p: &Path) -> Result<Contract, LoadError> {
        if !p.exists() {
            return Err(LoadError::NotFound(p.to_path_buf()));
        }
        let text = std::fs::read_to_string(p).map_err(|e| LoadError::Io(p.to_path_buf(), e))?;
        let c: Contract =
            serde_json::from_str(&text).map_err(|e| LoadError::Json(p.to_path_buf(), e))?;
        c.validate()?;
        Ok(c)
    }

    pub fn from_json(text: &str) -> Result<Contract, LoadError> {
        let c: Contract =
            serde_json::from_str(text).map_err(|e| LoadError::Json("<string>".into(), e))?;
        c.validate()?;
        Ok(c)
    }

    /// Every contract in `tests/contracts/`.
    pub fn load_all() -> Result<Vec<Contract>, LoadError> {
        SLUGS.iter().map(|s| Contract::load(s)).collect()
    }

    fn validate(&self) -> Result<(), LoadError> {
        let known = [
            "string", "integer", "number", "boolean", "object", "array", "null", "any",
        ];
        let mut ids = BTreeSet::new();
        for r in &self.routes {
            if !ids.insert(r.id.clone()) {
                return Err(LoadError::Invalid(format!(
                    "{}: route id {} twice",
                    self.provider, r.id
                )));
            }
            let bodies = std::iter::once(&r.response.body)
                .chain(r.errors.iter().filter_map(|e| e.body.as_ref()));
            for b in bodies {
                for f in &b.fields {
                    for t in f.ty.list() {
                        if !known.contains(&t) {
                            return Err(LoadError::Invalid(format!(
                                "{} {}: field {} has type {t}",
                                self.provider, r.id, f.path
                            )));
                        }
                    }
                }
            }
            for e in &r.errors {
                if let Some(n) = &e.body_ref {
                    if !self.error_bodies.contains_key(n) {
                        return Err(LoadError::Invalid(format!(
                            "{} {}: error body {n} is not defined",
                            self.provider, r.id
                        )));
                    }
                }
            }
        }
        Ok(())
    }

    /// The documented family of an in-body status code (`"Invalid params"` for Withings 503).
    pub fn status_family(&self, code: i64) -> Option<&str> {
        self.status_families
            .iter()
            .find(|f| (f.from..=f.to).contains(&code))
            .map(|f| f.family.as_str())
    }

    /// How many rules the contract states (a route, each parameter's presence, type, format,
    /// enum and requiredness, each field's type, requiredness, nullability, format and enum, each
    /// closed object, each documented error status and its body).
    pub fn rule_count(&self) -> usize {
        self.routes.iter().map(|r| self.route_rule_count(r)).sum()
    }

    pub fn route_rule_count(&self, r: &Route) -> usize {
        let mut n = 1;
        for p in &r.params {
            n += 2; // documented, type
            n += p.format.is_some() as usize + p.allowed.is_some() as usize + p.required as usize;
            n += (p.minimum.is_some() || p.maximum.is_some()) as usize;
        }
        n += body_rules(&r.response.body);
        for e in &r.errors {
            n += 1;
            if let Some(b) = self.error_body(e) {
                n += body_rules(b);
            }
        }
        n
    }

    /// Rules of the whole contract including its status families.
    pub fn total_rules(&self) -> usize {
        self.rule_count() + self.status_families.len()
    }

    fn error_body<'a>(&'a self, e: &'a ErrorResponse) -> Option<&'a Body> {
        e.body
            .as_ref()
            .or_else(|| e.body_ref.as_ref().and_then(|n| self.error_bodies.get(n)))
    }

    fn canonical<'a>(&self, path: &'a str) -> std::borrow::Cow<'a, str> {
        let path = path.split('?').next().unwrap_or(path);
        for (from, to) in &self.aliases {
            if let Some(rest) = path.strip_prefix(from.as_str()) {
                return format!("{to}{rest}").into();
            }
        }
        path.into()
    }

    /// The route for a request; with a discriminator, the one whose value the pairs carry.
    pub fn route_for(&self, method: &str, path: &str, pairs: &[(&str, &str)]) -> Option<&Route> {
        let path = self.canonical(path);
        let all: Vec<&Route> = self
            .routes
            .iter()
            .filter(|r| r.method.eq_ignore_ascii_case(method) && r.matches_path(&path).is_some())
            .collect();
        // The document lists distinct shapes; when a literal path and a template both match
        // (`/v2/x/heartrate` and `/v2/x/{id}`), the literal one wins.
        fn pick(rs: Vec<&Route>) -> Option<&Route> {
            rs.iter()
                .copied()
                .find(|r| !r.path.contains('{'))
                .or_else(|| rs.first().copied())
        }
        let with_disc: Vec<&Route> = all
            .iter()
            .copied()
            .filter(|r| match &r.discriminator {
                Some(d) => pairs.iter().any(|(k, v)| *k == d.name && *v == d.value),
                None => false,
            })
            .collect();
        if !with_disc.is_empty() {
            return pick(with_disc);
        }
        pick(
            all.into_iter()
                .filter(|r| r.discriminator.is_none())
                .collect(),
        )
    }

    fn violation(&self, route: String, field: &str, kind: Kind, detail: String) -> Violation {
        Violation {
            provider: self.provider.clone(),
            route,
            field: field.to_string(),
            kind,
            detail,
        }
    }

    /// Checks one request: the route exists, every parameter is documented and of its type and
    /// format, every required one is there. `pairs` are the query pairs (or the form's).
    pub fn check_request(
        &self,
        method: &str,
        path: &str,
        pairs: &[(&str, &str)],
    ) -> Vec<Violation> {
        let mut out = vec![];
        let Some(route) = self.route_for(method, path, pairs) else {
            out.push(self.violation(
                format!("{method} {path}"),
                "",
                Kind::UnknownRoute,
                "no route of the contract has this method and path (and discriminator)".into(),
            ));
            return out;
        };
        let label = route.label();
        let canon = self.canonical(path);
        for (name, value) in route.matches_path(&canon).unwrap_or_default() {
            if let Some(p) = route
                .params
                .iter()
                .find(|p| p.name == name && p.location == "path")
            {
                if let Some(why) = value_fault(p, &value) {
                    out.push(self.violation(label.clone(), &name, why.0, why.1));
                }
            }
        }
        for (name, value) in pairs {
            if route
                .discriminator
                .as_ref()
                .is_some_and(|d| d.name == *name)
            {
                continue;
            }
            let Some(p) = route
                .params
                .iter()
                .find(|p| p.name == *name && p.location != "path")
            else {
                out.push(self.violation(
                    label.clone(),
                    name,
                    Kind::UndocumentedParameter,
                    format!("parameter {name}={value:?} is not documented for this route"),
                ));
                continue;
            };
            if let Some((kind, why)) = value_fault(p, value) {
                out.push(self.violation(label.clone(), name, kind, why));
            }
        }
        for p in route
            .params
            .iter()
            .filter(|p| p.required && p.location != "path")
        {
            let sent = |n: &str| pairs.iter().any(|(k, _)| *k == n);
            if !sent(&p.name) && !p.unless.iter().any(|u| sent(u)) {
                out.push(self.violation(
                    label.clone(),
                    &p.name,
                    Kind::MissingParameter,
                    if p.unless.is_empty() {
                        "required parameter not sent".into()
                    } else {
                        format!("required parameter not sent (nor {})", p.unless.join(", "))
                    },
                ));
            }
        }
        out
    }

    /// Checks one response of the route the request went to. `pairs` pick the route among those
    /// sharing a path (Withings' `action`); pass `&[]` otherwise.
    pub fn check_response(
        &self,
        method: &str,
        path: &str,
        pairs: &[(&str, &str)],
        status: u16,
        body: &Value,
    ) -> Vec<Violation> {
        let Some(route) = self.route_for(method, path, pairs) else {
            return vec![self.violation(
                format!("{method} {path}"),
                "",
                Kind::UnknownRoute,
                "no route of the contract has this method and path (and discriminator)".into(),
            )];
        };
        let label = route.label();
        let spec = if status == route.response.status {
            Some(&route.response.body)
        } else if let Some(e) = route.errors.iter().find(|e| e.status == status) {
            match self.error_body(e) {
                Some(b) => Some(b),
                None => return vec![],
            }
        } else {
            None
        };
        let Some(spec) = spec else {
            return vec![self.violation(
                label,
                "",
                Kind::UndocumentedStatus,
                format!("status {status} is not documented for this route"),
            )];
        };
        let mut out = vec![];
        check_body(
            spec,
            body,
            &mut |field: &str, kind: Kind, detail: String| {
                out.push(self.violation(label.clone(), field, kind, detail));
            },
        );
        out
    }

    /// Checks a body (for example a published example) against a route's success body.
    pub fn check_body_of(&self, route_id: &str, body: &Value) -> Vec<Violation> {
        let Some(route) = self.routes.iter().find(|r| r.id == route_id) else {
            return vec![self.violation(
                route_id.into(),
                "",
                Kind::UnknownRoute,
                "no such route id".into(),
            )];
        };
        let label = route.label();
        let mut out = vec![];
        check_body(
            &route.response.body,
            body,
            &mut |field: &str, kind: Kind, detail: String| {
                out.push(self.violation(label.clone(), field, kind, detail));
            },
        );
        out
    }
}

fn body_rules(b: &Body) -> usize {
    let mut n = 0;
    let mut parents = BTreeSet::new();
    for f in &b.fields {
        n += 1 + f.required as usize + (!f.nullable) as usize;
        n += f.format.is_some() as usize + f.allowed.is_some() as usize;
        parents.insert(parent_of(&f.path));
    }
    n + parents
        .iter()
        .filter(|p| !b.open.iter().any(|o| o == *p))
        .count()
}

fn parent_of(path: &str) -> String {
    if let Some(p) = path.strip_suffix("[]") {
        return p.to_string();
    }
    match path.rfind('.') {
        Some(i) => path[..i].to_string(),
        None => String::new(),
    }
}

fn child(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn check_body(spec: &Body, body: &Value, report: &mut dyn FnMut(&str, Kind, String)) {
    let by_path: BTreeMap<&str, &Field> =
        spec.fields.iter().map(|f| (f.path.as_str(), f)).collect();
    let mut children: BTreeMap<String, Vec<&Field>> = BTreeMap::new();
    for f in &spec.fields {
        children.entry(parent_of(&f.path)).or_default().push(f);
    }
    walk(spec, &by_path, &children, "", body, report);
}

fn walk(
    spec: &Body,
    by_path: &BTreeMap<&str, &Field>,
    children: &BTreeMap<String, Vec<&Field>>,
    prefix: &str,
    v: &Value,
    report: &mut dyn FnMut(&str, Kind, String),
) {
    match v {
        Value::Object(map) => {
            let kids = children.get(prefix).cloned().unwrap_or_default();
            let wildcard = by_path.get(child(prefix, "*").as_str()).copied();
            for f in &kids {
                let key = &f.path[if prefix.is_empty() {
                    0
                } else {
                    prefix.len() + 1
                }..];
                if key == "*" || f.path == format!("{prefix}[]") {
                    continue;
                }
                match map.get(key) {
                    None if f.required => report(
                        &f.path,
                        Kind::MissingField,
                        "required field is missing".into(),
                    ),
                    None => {}
                    Some(x) if check_value(f, x, report) => {
                        walk(spec, by_path, children, &f.path, x, report);
                    }
                    Some(_) => {}
                }
            }
            let closed = !kids.is_empty() && !spec.open.iter().any(|o| o == prefix);
            for (k, x) in map {
                let p = child(prefix, k);
                if by_path.contains_key(p.as_str()) {
                    continue;
                }
                if let Some(w) = wildcard {
                    if check_value(w, x, report) {
                        walk(spec, by_path, children, &w.path, x, report);
                    }
                    continue;
                }
                if closed {
                    report(
                        &p,
                        Kind::UndocumentedField,
                        format!("field not in the document (value {})", short(x)),
                    );
                }
            }
        }
        Value::Array(items) => {
            let p = format!("{prefix}[]");
            if let Some(f) = by_path.get(p.as_str()) {
                for x in items {
                    if check_value(f, x, report) {
                        walk(spec, by_path, children, &p, x, report);
                    }
                }
            } else if children.contains_key(&p) {
                for x in items {
                    walk(spec, by_path, children, &p, x, report);
                }
            }
        }
        _ => {}
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 40 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(40).map(|x| x.0).unwrap_or(s.len())]
        )
    } else {
        s
    }
}

/// Type, nullability, enum and format of one value; true when its children should be walked.
fn check_value(f: &Field, x: &Value, report: &mut dyn FnMut(&str, Kind, String)) -> bool {
    if x.is_null() {
        let types = f.ty.list();
        if !f.nullable && !types.contains(&"null") && !types.contains(&"any") {
            report(
                &f.path,
                Kind::NullNotAllowed,
                "null where the document gives no null".into(),
            );
        }
        return false;
    }
    let types = f.ty.list();
    let fits = types.iter().any(|t| match *t {
        "any" => true,
        "string" => x.is_string(),
        "integer" => x.as_i64().is_some() || x.as_u64().is_some(),
        "number" => x.is_number(),
        "boolean" => x.is_boolean(),
        "object" => x.is_object(),
        "array" => x.is_array(),
        "null" => false,
        _ => false,
    });
    if !fits {
        report(
            &f.path,
            Kind::WrongType,
            format!("expected {}, got {}", types.join(" or "), short(x)),
        );
        return false;
    }
    if let Some(allowed) = &f.allowed {
        if !allowed.iter().any(|a| a == x) {
            report(
                &f.path,
                Kind::OutsideEnum,
                format!(
                    "{} is not one of {}",
                    short(x),
                    Value::Array(allowed.clone())
                ),
            );
        }
    }
    if let (Some(fmt), Some(s)) = (&f.format, x.as_str()) {
        if !fmt.split('|').any(|one| format_ok(one, s)) {
            report(&f.path, Kind::WrongFormat, format!("{s:?} is not {fmt}"));
        }
    }
    true
}

fn value_fault(p: &Param, value: &str) -> Option<(Kind, String)> {
    let types = p.ty.list();
    let typed = types.iter().any(|t| match *t {
        "integer" => value.parse::<i64>().is_ok(),
        "number" => value.parse::<f64>().is_ok(),
        "boolean" => value == "true" || value == "false",
        _ => true,
    });
    if !typed {
        return Some((
            Kind::WrongParameterType,
            format!("{value:?} is not {}", types.join(" or ")),
        ));
    }
    if let Some(fmt) = &p.format {
        if !fmt.split('|').any(|one| format_ok(one, value)) {
            return Some((
                Kind::WrongParameterFormat,
                format!("{value:?} is not {fmt}"),
            ));
        }
    }
    if let Ok(x) = value.parse::<f64>() {
        if p.minimum.is_some_and(|m| x < m) || p.maximum.is_some_and(|m| x > m) {
            return Some((
                Kind::ParameterOutsideEnum,
                format!(
                    "{value} is outside [{}, {}]",
                    p.minimum.map_or("…".into(), |m| m.to_string()),
                    p.maximum.map_or("…".into(), |m| m.to_string())
                ),
            ));
        }
    }
    if let Some(allowed) = &p.allowed {
        let items: Vec<&str> = if p.format.as_deref() == Some("csv") {
            value.split(',').collect()
        } else {
            vec![value]
        };
        for it in items {
            let hit = allowed.iter().any(|a| match a {
                Value::String(s) => s == it,
                // A number or boolean enum item against the parameter's text.
                #[allow(clippy::cmp_owned)]
                other => other.to_string() == it,
            });
            if !hit {
                return Some((
                    Kind::ParameterOutsideEnum,
                    format!("{it:?} is not one of {}", Value::Array(allowed.clone())),
                ));
            }
        }
    }
    None
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

fn is_date(s: &str) -> bool {
    let b: Vec<&str> = s.split('-').collect();
    b.len() == 3
        && digits(b[0], 4)
        && digits(b[1], 2)
        && digits(b[2], 2)
        && (1..=12).contains(&b[1].parse::<u32>().unwrap_or(0))
        && (1..=31).contains(&b[2].parse::<u32>().unwrap_or(0))
}

fn is_time(s: &str) -> bool {
    // HH:MM(:SS(.fff)?)?
    let (hms, frac) = match s.split_once('.') {
        Some((a, f)) => (a, Some(f)),
        None => (s, None),
    };
    if frac.is_some_and(|f| f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit())) {
        return false;
    }
    let p: Vec<&str> = hms.split(':').collect();
    (p.len() == 2 || p.len() == 3)
        && p.iter().all(|x| digits(x, 2))
        && p[0].parse::<u32>().unwrap_or(99) < 24
        && p[1].parse::<u32>().unwrap_or(99) < 60
        && p.get(2).is_none_or(|x| x.parse::<u32>().unwrap_or(99) < 61)
}

/// `date-time` with an offset (`Z` or `±HH:MM`), `date-time-local` without one.
fn split_offset(t: &str) -> Option<(&str, &str)> {
    if let Some(x) = t.strip_suffix('Z') {
        return Some((x, "Z"));
    }
    let i = t.rfind(['+', '-'])?;
    let (a, off) = t.split_at(i);
    let o = &off[1..];
    let ok = (o.len() == 5 && digits(&o[..2], 2) && &o[2..3] == ":" && digits(&o[3..], 2))
        || digits(o, 4)
        || digits(o, 2);
    ok.then_some((a, off))
}

pub fn format_ok(fmt: &str, s: &str) -> bool {
    match fmt {
        "date" | "ymd" => is_date(s),
        "date-time" => match s.split_once('T') {
            Some((d, t)) => is_date(d) && split_offset(t).is_some_and(|(t, _)| is_time(t)),
            None => false,
        },
        "date-time-local" => match s.split_once('T') {
            Some((d, t)) => is_date(d) && is_time(t),
            None => false,
        },
        "epoch-seconds" => s
            .parse::<i64>()
            .is_ok_and(|x| (0..100_000_000_000).contains(&x)),
        "epoch-ms" => s.parse::<i64>().is_ok_and(|x| x >= 100_000_000_000),
        "csv" => !s.is_empty() && s.split(',').all(|x| !x.is_empty()),
        "duration-seconds" => s
            .strip_suffix('s')
            .is_some_and(|x| x.parse::<f64>().is_ok()),
        // Formats the checker does not know are documentation only.
        _ => true,
    }
}

#[cfg(test)]
mod tests;
