//! Every resource Vital names, once: its read name, whether it is a summary or a timeseries,
//! its unit, the name it is pushed under, the key of its list in an answer, and what this app
//! stores of it. The API, the CLI, the window, the forwarder, the receiver and the export all
//! read this table.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A document per day or event (`/v2/summary/...`).
    Summary,
    /// Samples (`/v2/timeseries/...`).
    Timeseries,
}

#[derive(Debug, Clone, Copy)]
pub struct Resource {
    /// The name in read routes (`/v2/summary/{name}`, `/v2/timeseries/{user}/{name}`).
    pub name: &'static str,
    pub kind: Kind,
    /// The unit of a timeseries' values.
    pub unit: Option<&'static str>,
    /// The name in Vital's push (ingestion) routes, where it differs.
    pub push_name: &'static str,
    /// The key of the list in a summary answer.
    pub list_key: &'static str,
    /// Synced, received and exported here; other resources answer empty, as Vital does for a
    /// user with no such data.
    pub stored: bool,
}

const fn summary(name: &'static str, list_key: &'static str, stored: bool) -> Resource {
    Resource {
        name,
        kind: Kind::Summary,
        unit: None,
        push_name: name,
        list_key,
        stored,
    }
}

const fn series(
    name: &'static str,
    unit: &'static str,
    push_name: &'static str,
    stored: bool,
) -> Resource {
    Resource {
        name,
        kind: Kind::Timeseries,
        unit: Some(unit),
        push_name,
        list_key: name,
        stored,
    }
}

pub const RESOURCES: &[Resource] = &[
    summary("sleep", "sleep", true),
    summary("activity", "activity", true),
    summary("workouts", "workouts", true),
    summary("body", "body", true),
    summary("profile", "profile", true),
    summary("meal", "meals", false),
    summary("sleep_cycle", "sleep_cycle", false),
    summary("menstrual_cycle", "menstrual_cycle", false),
    summary("electrocardiogram", "electrocardiogram", false),
    series("heartrate", "bpm", "heartrate", true),
    series("hrv", "rmssd", "heartrate_variability", true),
    series("glucose", "mmol/L", "glucose", true),
    series("blood_oxygen", "%", "blood_oxygen", true),
    series("respiratory_rate", "bpm", "respiratory_rate", true),
    series("body_weight", "kg", "body_weight", true),
    series("body_fat", "%", "body_fat", true),
    series("steps", "count", "steps", true),
    series("distance", "m", "distance", true),
    series("calories_active", "kcal", "calories_active", true),
    series("calories_basal", "kcal", "calories_basal", true),
    series("floors_climbed", "count", "floors_climbed", true),
    series("vo2_max", "mL/kg/min", "vo2_max", true),
    series("stress_level", "%", "stress_level", true),
    series("body_temperature", "°C", "temperature", true),
    series(
        "body_temperature_delta",
        "°C",
        "body_temperature_delta",
        true,
    ),
    series(
        "basal_body_temperature",
        "°C",
        "basal_body_temperature",
        true,
    ),
    series("water", "mL", "water", true),
    // Readable (a pair of values per sample), not received as a point series.
    series("blood_pressure", "mmHg", "blood_pressure", false),
];

/// A resource by its read name.
pub fn get(name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.name == name)
}

/// A resource by the name it is pushed under.
pub fn by_push_name(push_name: &str) -> Option<&'static Resource> {
    RESOURCES.iter().find(|r| r.push_name == push_name)
}

/// The summaries this app stores, in a stable order.
pub fn stored_summaries() -> impl Iterator<Item = &'static str> {
    RESOURCES
        .iter()
        .filter(|r| r.kind == Kind::Summary && r.stored)
        .map(|r| r.name)
}

/// The point timeseries this app stores and receives.
pub fn stored_metrics() -> impl Iterator<Item = &'static str> {
    RESOURCES
        .iter()
        .filter(|r| r.kind == Kind::Timeseries && r.stored)
        .map(|r| r.name)
}

/// The unit of a timeseries.
pub fn unit(name: &str) -> Option<&'static str> {
    get(name).and_then(|r| r.unit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_push_names_map_back() {
        for r in RESOURCES {
            assert_eq!(get(r.name).unwrap().name, r.name);
            assert_eq!(by_push_name(r.push_name).unwrap().name, r.name);
        }
        assert_eq!(by_push_name("heartrate_variability").unwrap().name, "hrv");
        assert_eq!(
            by_push_name("temperature").unwrap().name,
            "body_temperature"
        );
        assert_eq!(stored_summaries().count(), 5);
        assert_eq!(stored_metrics().count(), 18);
    }
}
