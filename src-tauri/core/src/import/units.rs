//! HealthKit quantity types and unit strings → Vital's timeseries and units
//! (`crate::resources::RESOURCES` is the unit each series is served in).

/// Vital's metric and unit for a HealthKit quantity type; None for a type not imported.
pub fn metric_of(hk_type: &str) -> Option<(&'static str, &'static str)> {
    let t = hk_type.strip_prefix("HKQuantityTypeIdentifier")?;
    Some(match t {
        "HeartRate" => ("heartrate", "bpm"),
        // HealthKit's HRV is SDNN; Vital's Apple HealthKit series says so in its unit.
        "HeartRateVariabilitySDNN" => ("hrv", "sdnn"),
        "StepCount" => ("steps", "count"),
        "ActiveEnergyBurned" => ("calories_active", "kcal"),
        "BasalEnergyBurned" => ("calories_basal", "kcal"),
        "DistanceWalkingRunning"
        | "DistanceCycling"
        | "DistanceSwimming"
        | "DistanceWheelchair" => ("distance", "m"),
        "FlightsClimbed" => ("floors_climbed", "count"),
        "OxygenSaturation" => ("blood_oxygen", "%"),
        "RespiratoryRate" => ("respiratory_rate", "bpm"),
        "BodyMass" => ("body_weight", "kg"),
        "BodyFatPercentage" => ("body_fat", "%"),
        "VO2Max" => ("vo2_max", "mL/kg/min"),
        "BloodGlucose" => ("glucose", "mmol/L"),
        "BodyTemperature" => ("body_temperature", "°C"),
        _ => return None,
    })
}

/// HealthKit stores glucose in mg/dL or in mmol with the molar mass of glucose spelled out
/// (`mmol<180.15588000005408>/L`); 1 mmol/L of glucose = 18.0156 mg/dL.
const MG_DL_PER_MMOL_L: f64 = 18.015_588;

/// `value` in HealthKit `unit` converted to `target` (one of `metric_of`'s units).
pub fn convert(value: f64, unit: &str, target: &str) -> Result<f64, String> {
    let bad = || Err(format!("unit {unit:?} cannot be read as {target}"));
    Ok(match (target, unit) {
        ("bpm", "count/min") | ("count", "count") | ("sdnn", "ms") => value,
        ("kcal", "kcal" | "Cal") => value,
        ("kcal", "kJ") => value / 4.184,
        ("kcal", "cal") => value / 1000.0,
        ("m", "m") => value,
        ("m", "km") => value * 1000.0,
        ("m", "mi") => value * 1609.344,
        ("m", "ft") => value * 0.3048,
        ("m", "yd") => value * 0.9144,
        ("m", "cm") => value / 100.0,
        // HealthKit's percentages are fractions (0.97).
        ("%", "%") => value * 100.0,
        ("kg", "kg") => value,
        ("kg", "lb") => value * 0.453_592_37,
        ("kg", "g") => value / 1000.0,
        ("kg", "st") => value * 6.350_293_18,
        ("mL/kg/min", "mL/min·kg" | "ml/(kg*min)" | "mL/kg/min") => value,
        ("mmol/L", "mg/dL") => value / MG_DL_PER_MMOL_L,
        ("mmol/L", u) if u.starts_with("mmol") && u.ends_with("/L") => value,
        ("°C", "degC") => value,
        ("°C", "degF") => (value - 32.0) * 5.0 / 9.0,
        _ => return bad(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-6
    }

    #[test]
    fn units_convert_to_vitals() {
        assert!(close(convert(0.97, "%", "%").unwrap(), 97.0));
        assert!(close(convert(418.4, "kJ", "kcal").unwrap(), 100.0));
        assert!(close(convert(1.5, "km", "m").unwrap(), 1500.0));
        assert!(close(convert(1.0, "mi", "m").unwrap(), 1609.344));
        assert!(close(convert(150.0, "lb", "kg").unwrap(), 68.038_855_5));
        assert!(close(convert(90.0, "mg/dL", "mmol/L").unwrap(), 4.995_673));
        assert!(close(
            convert(5.5, "mmol<180.15588000005408>/L", "mmol/L").unwrap(),
            5.5
        ));
        assert!(close(convert(98.6, "degF", "°C").unwrap(), 37.0));
        assert!(convert(1.0, "furlong", "m").is_err());
    }

    #[test]
    fn types_map_to_metrics() {
        assert_eq!(
            metric_of("HKQuantityTypeIdentifierOxygenSaturation").map(|(m, u)| format!("{m} {u}")),
            Some("blood_oxygen %".to_string())
        );
        assert_eq!(metric_of("HKQuantityTypeIdentifierDietaryWater"), None);
        assert_eq!(metric_of("HeartRate"), None);
    }
}
